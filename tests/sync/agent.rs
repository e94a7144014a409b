//! Background sync (`casebook_api::agent`, what the desktop app runs) against the real server: it goes online at
//! start, sends a local change after its debounce, pulls a colleague's change as soon as the change stream says so
//! (no poke, no timer), notifies an escalation to the person's tier once, and backs off while the server is gone.

use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use casebook_api::agent::{AgentConfig, AgentEvent, AgentNotice, AgentState, SyncAgent, SyncPhase};
use casebook_api::incidents::NewIncident;
use casebook_api::timeline::EntryInput;
use casebook_api::Casebook;
use casebook_core::model::{Role, Severity, Tier, Tlp};

use crate::harness::Server;

fn quick() -> AgentConfig {
    AgentConfig {
        debounce: Duration::from_millis(200),
        // Long enough that only the change stream or a poke can explain a prompt sync.
        every: Duration::from_secs(600),
        backoff_first: Duration::from_millis(300),
        backoff_max: Duration::from_secs(2),
    }
}

struct Watched {
    agent: SyncAgent,
    events: Receiver<AgentEvent>,
    notices: Vec<AgentNotice>,
}

impl Watched {
    fn start(dir: &Path) -> Watched {
        let (tx, events) = mpsc::channel();
        let agent = SyncAgent::start(dir, quick(), move |e| {
            let _ = tx.send(e);
        })
        .expect("the agent starts");
        Watched {
            agent,
            events,
            notices: Vec::new(),
        }
    }

    /// Waits (at most 30 s) for a state that satisfies `ok`, keeping the notices seen on the way.
    fn until(&mut self, what: &str, ok: impl Fn(&AgentState) -> bool) -> AgentState {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(AgentEvent::State(s)) if ok(&s) => return *s,
                Ok(AgentEvent::State(_)) => {}
                Ok(AgentEvent::Notify(n)) => self.notices.push(n),
                Err(_) => panic!(
                    "the agent never reached: {what} (last: {:?})",
                    self.agent.state()
                ),
            }
        }
    }
}

#[test]
fn the_agent_sends_local_work_pulls_on_the_change_stream_and_notifies_an_escalation_once() {
    let server = Server::start(None);
    let ana = server.laptop(&server.account("Ana Silva", Role::Responder, Some(1)));
    let ben = server.laptop(&server.account("Ben Okafor", Role::Responder, Some(2)));
    let mut carla = server.laptop(&server.account("Carla Reyes", Role::Responder, Some(1)));

    let mut agent = Watched::start(ana.dir());
    agent.until("online at start", |s| s.phase == SyncPhase::Online);

    // The interface's own connection makes a change; the agent hears of it and sends it after the debounce.
    let mut ui = Casebook::open(ana.dir()).unwrap();
    let key = ui
        .new_incident(NewIncident::titled(
            "Phishing wave",
            Severity::Sev2,
            Tlp::Amber,
        ))
        .unwrap()
        .row
        .key;
    agent.agent.local_change();
    agent.until("the change sent", |s| {
        s.status.as_ref().is_some_and(|st| st.waiting == 0)
            && s.last_report.as_ref().is_some_and(|r| r.pushed >= 1)
    });
    carla.sync();
    assert_eq!(carla.cb.incident(&key).unwrap().row.title, "Phishing wave");

    // A colleague's entry arrives through the change stream alone: the agent's timer is ten minutes away.
    let generation = agent.agent.state().generation;
    carla
        .cb
        .add_entry(
            &key,
            EntryInput {
                summary: "Sender domain blocked".into(),
                ..Default::default()
            },
        )
        .unwrap();
    carla.sync();
    agent.until("the colleague's entry pulled", |s| {
        s.generation > generation
    });
    let (_, entries) = ui.entries(&key, &Default::default(), 0, 10).unwrap();
    assert!(entries.iter().any(|e| e.summary == "Sender domain blocked"));

    // Ben (tier 2) is told once when Ana escalates to his tier, not again at the next sync.
    let mut bens = Watched::start(ben.dir());
    bens.until("Ben online", |s| s.phase == SyncPhase::Online);
    ui.escalate(
        &key,
        Tier::TWO,
        None,
        "Macro ran on two hosts",
        "Hosts isolated",
    )
    .unwrap();
    agent.agent.local_change();
    bens.until("the escalation pulled", |s| {
        s.last_report.as_ref().is_some_and(|r| r.pulled > 0)
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    while bens.notices.is_empty() && Instant::now() < deadline {
        if let Ok(AgentEvent::Notify(n)) = bens.events.recv_timeout(Duration::from_millis(200)) {
            bens.notices.push(n);
        }
    }
    assert_eq!(bens.notices.len(), 1, "{:?}", bens.notices);
    assert_eq!(bens.notices[0].key, key);
    assert!(
        bens.notices[0].title.contains("escalated"),
        "{:?}",
        bens.notices[0]
    );
    bens.agent.sync_now();
    bens.until("synced again", |s| s.phase == SyncPhase::Online);
    assert_eq!(
        bens.notices.len(),
        1,
        "the same escalation is not notified twice"
    );
    assert!(
        agent.notices.is_empty(),
        "Ana is not told of her own escalation: {:?}",
        agent.notices
    );
}

#[test]
fn the_agent_backs_off_quietly_while_the_server_is_gone_and_work_waits() {
    let server = Server::start(None);
    let ana = server.laptop(&server.account("Ana Silva", Role::Responder, Some(1)));
    drop(server);

    let mut ui = Casebook::open(ana.dir()).unwrap();
    ui.new_incident(NewIncident::titled(
        "Offline work",
        Severity::Sev3,
        Tlp::Green,
    ))
    .unwrap();
    let mut agent = Watched::start(ana.dir());
    let first = agent.until("offline", |s| {
        s.phase == SyncPhase::Offline && s.retry_at.is_some()
    });
    assert!(
        first.status.as_ref().unwrap().waiting >= 1,
        "the work waits here"
    );
    assert!(first
        .error
        .as_deref()
        .unwrap()
        .contains("cannot be reached"));
    // The retries come further and further apart (300 ms, 600 ms, 1.2 s, …).
    let mut gaps = Vec::new();
    let mut last = Instant::now();
    for _ in 0..3 {
        agent.until("another try", |s| s.phase == SyncPhase::Syncing);
        gaps.push(last.elapsed());
        last = Instant::now();
    }
    assert!(gaps[2] > gaps[1], "backoff grows: {gaps:?}");
    assert_eq!(
        ui.sync_status(false).unwrap().waiting,
        first.status.unwrap().waiting
    );
}
