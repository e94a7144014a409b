//! Rows of PostgreSQL read back into the storage trait's types. A value its type does not allow (a negative
//! position, an unknown role) is `Corrupt`, never a panic: the database may have been edited by hand. The column
//! types themselves are the migrations' own, so `Row::get` cannot meet a type it does not expect.

use casebook_core::model::{Role, Tier};
use casebook_core::{DeviceId, EventId, IncidentId, UserId};
use casebook_protocol::TeamId;
use casebook_server_storage::{
    AccountRow, AsideEvent, DeviceRow, EventRow, IntegrationRow, Result, TeamRow, TokenRow,
};
use tokio_postgres::Row;

use crate::error::corrupt;

/// A count or position as PostgreSQL stores it (`bigint`). Values past `i64::MAX` cannot occur in practice (a log
/// of 2^63 events), but are refused rather than wrapped.
pub(crate) fn to_i64(n: u64, what: &str) -> Result<i64> {
    i64::try_from(n).map_err(|_| corrupt(format!("{what} {n} is too large to store")))
}

pub(crate) fn to_u64(n: i64, what: &str) -> Result<u64> {
    u64::try_from(n).map_err(|_| corrupt(format!("{what} {n} is negative")))
}

pub(crate) const TEAM_COLUMNS: &str =
    "id, name, epoch, directory_device, directory_secret, created_us";

pub(crate) fn team(r: &Row) -> Result<TeamRow> {
    Ok(TeamRow {
        id: TeamId(r.get(0)),
        name: r.get(1),
        epoch: r.get(2),
        directory_device: DeviceId(r.get(3)),
        directory_secret: r.get(4),
        created_us: r.get(5),
    })
}

pub(crate) const ACCOUNT_COLUMNS: &str =
    "team, user_id, email, name, role, tier, password_hash, disabled, created_us";

pub(crate) fn account(r: &Row) -> Result<AccountRow> {
    let role: String = r.get(4);
    let tier: Option<i16> = r.get(5);
    Ok(AccountRow {
        team: TeamId(r.get(0)),
        user: UserId(r.get(1)),
        email: r.get(2),
        name: r.get(3),
        role: role.parse::<Role>().map_err(corrupt)?,
        tier: tier
            .map(|t| {
                u8::try_from(t)
                    .map_err(|_| corrupt(format!("tier {t} is out of range")))
                    .and_then(|t| Tier::new(t).map_err(corrupt))
            })
            .transpose()?,
        password_hash: r.get(6),
        disabled: r.get(7),
        created_us: r.get(8),
    })
}

pub(crate) const DEVICE_COLUMNS: &str =
    "team, device, user_id, alias, name, public_key, revoked, created_us, last_seen_us";

pub(crate) fn device(r: &Row) -> Result<DeviceRow> {
    Ok(DeviceRow {
        team: TeamId(r.get(0)),
        device: DeviceId(r.get(1)),
        user: UserId(r.get(2)),
        alias: r.get::<_, Option<uuid::Uuid>>(3).map(UserId),
        name: r.get(4),
        public_key: r.get(5),
        revoked: r.get(6),
        created_us: r.get(7),
        last_seen_us: r.get(8),
    })
}

pub(crate) const TOKEN_COLUMNS: &str = "token_hash, team, device, user_id, created_us, expires_us";

pub(crate) fn token(r: &Row) -> Result<TokenRow> {
    Ok(TokenRow {
        token_hash: r.get(0),
        team: TeamId(r.get(1)),
        device: DeviceId(r.get(2)),
        user: UserId(r.get(3)),
        created_us: r.get(4),
        expires_us: r.get(5),
    })
}

pub(crate) const EVENT_COLUMNS: &str =
    "position, received_us, id, incident, author, device, device_seq, hash, raw";

pub(crate) fn event(r: &Row) -> Result<EventRow> {
    Ok(EventRow {
        position: to_u64(r.get(0), "position")?,
        received_us: r.get(1),
        id: EventId(r.get(2)),
        incident: r.get::<_, Option<uuid::Uuid>>(3).map(IncidentId),
        author: UserId(r.get(4)),
        device: DeviceId(r.get(5)),
        device_seq: to_u64(r.get(6), "device sequence")?,
        hash: r.get(7),
        raw: r.get(8),
    })
}

pub(crate) const ASIDE_COLUMNS: &str =
    "id, device, device_seq, hash, raw, reason, code, detail, pushed_by, received_us";

pub(crate) fn aside(r: &Row) -> Result<AsideEvent> {
    Ok(AsideEvent {
        id: EventId(r.get(0)),
        device: DeviceId(r.get(1)),
        device_seq: to_u64(r.get(2), "device sequence")?,
        hash: r.get(3),
        raw: r.get(4),
        reason: r.get(5),
        code: r.get(6),
        detail: r.get(7),
        pushed_by: UserId(r.get(8)),
        received_us: r.get(9),
    })
}

pub(crate) const INTEGRATION_COLUMNS: &str =
    "team, name, user_id, device, device_secret, token_hash, revoked, created_us";

pub(crate) fn integration(r: &Row) -> Result<IntegrationRow> {
    Ok(IntegrationRow {
        team: TeamId(r.get(0)),
        name: r.get(1),
        user: UserId(r.get(2)),
        device: DeviceId(r.get(3)),
        device_secret: r.get(4),
        token_hash: r.get(5),
        revoked: r.get(6),
        created_us: r.get(7),
    })
}
