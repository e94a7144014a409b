//! Who acts on this laptop: the profile (`init`, `whoami`), colleagues registered here (`user`), and the demo.

use casebook_api::Casebook;
use casebook_core::model::{Role, Tier};

use crate::cli::UserCmd;
use crate::output::{table, Out};

pub fn init(
    cb: &mut Casebook,
    name: &str,
    role: Role,
    tier: Option<Tier>,
    out: &Out,
) -> anyhow::Result<()> {
    let me = cb.init(name, role, tier)?;
    out.show(&me, || {
        format!(
            "Profile created for {} ({}{}) in {}.\nNext: casebook incident new \"Title\" --severity sev3",
            me.user.name,
            me.user.role,
            me.user.tier.map(|t| format!(", tier {t}")).unwrap_or_default(),
            me.data_dir.display()
        )
    })
}

pub fn whoami(cb: &Casebook, out: &Out) -> anyhow::Result<()> {
    let me = cb.me()?;
    out.show(&me, || {
        format!(
            "{} — {}{}\ndevice {} (key fingerprint {})\ndata   {}",
            me.user.name,
            me.user.role,
            me.user
                .tier
                .map(|t| format!(", tier {t}"))
                .unwrap_or_default(),
            me.device,
            me.fingerprint.as_deref().unwrap_or("none"),
            me.data_dir.display()
        )
    })
}

pub fn user(cb: &mut Casebook, c: UserCmd, out: &Out) -> anyhow::Result<()> {
    match c {
        UserCmd::Add { name, role, tier } => {
            let u = cb.add_user(&name, role, tier)?;
            out.show(&u, || {
                format!("Registered {} ({}) as {}", u.name, u.role, u.id)
            })
        }
        UserCmd::List => {
            let users = cb.users()?;
            out.show(&users, || {
                let rows: Vec<Vec<String>> = users
                    .iter()
                    .map(|u| {
                        vec![
                            u.name.clone(),
                            u.role.to_string(),
                            u.tier.map(|t| t.to_string()).unwrap_or_default(),
                            u.id.to_string(),
                        ]
                    })
                    .collect();
                table(&["NAME", "ROLE", "TIER", "ID"], &rows)
            })
        }
    }
}

pub fn demo(cb: &mut Casebook, out: &Out) -> anyhow::Result<()> {
    let s = cb.demo()?;
    out.show(&s, || {
        format!(
            "Loaded the demo as {} (tier-1 responder): {}.\nTry: casebook incident show {}\n     casebook timeline list {}\n     casebook escalation list",
            s.profile,
            s.incidents.join(", "),
            s.incidents[0],
            s.incidents[0]
        )
    })
}
