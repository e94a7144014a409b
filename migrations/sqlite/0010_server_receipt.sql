-- The team server's receipt time of an event (the envelope's `received_at`), kept beside the event when it came
-- through the server: whether its clock ran far ahead (`events.clock_ahead`) is judged against it, so every replica
-- judges a relayed event alike, whenever it arrived there. NULL for events known only here (typed here, read from a
-- bundle, not yet relayed back). Events kept aside keep it too, so judging them again later gives the same flag.
ALTER TABLE events ADD COLUMN server_received_us INTEGER;
ALTER TABLE refused_events ADD COLUMN server_received_us INTEGER;
ALTER TABLE forked_events ADD COLUMN server_received_us INTEGER;

-- Events pulled before this version were judged against this laptop's clock at their arrival: the next sync pulls
-- the team's log again (what is held already counts as a duplicate) to learn each event's receipt time.
UPDATE team_link SET cursor = 0;
