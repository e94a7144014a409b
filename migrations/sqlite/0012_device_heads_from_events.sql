-- A device's head (its last sequence number, hash and clock) is read from `events` itself, through the index of its
-- UNIQUE (device, device_seq) and `events_by_hlc`: keeping a copy cost every durable append a page of its own.
DROP TABLE device_heads;
