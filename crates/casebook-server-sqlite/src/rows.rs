//! Rows read back into the storage trait's types. A value that does not parse is reported as damaged data, never
//! guessed at.

use casebook_core::model::{Role, Tier};
use casebook_protocol::TeamId;
use casebook_server_storage::*;
use rusqlite::Row;

pub(crate) const TEAM: &str =
    "SELECT id, name, epoch, directory_device, directory_secret, created_us FROM teams";
pub(crate) const ACCOUNT: &str =
    "SELECT team, user_id, email, name, role, tier, password_hash, disabled, created_us FROM accounts";
pub(crate) const DEVICE: &str =
    "SELECT team, device, user_id, alias, name, public_key, revoked, created_us, last_seen_us FROM devices";

pub(crate) const INTEGRATION: &str =
    "SELECT team, name, user_id, device, device_secret, token_hash, revoked, created_us FROM integrations";

pub(crate) fn parse<T: std::str::FromStr>(s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse()
        .map_err(|e: T::Err| StorageError::Corrupt(format!("{s:?}: {e}")))
}

fn team_id(s: &str) -> Result<TeamId> {
    parse(s).map(TeamId)
}

type RowResult<T> = rusqlite::Result<Result<T>>;

pub(crate) fn team_row(r: &Row) -> RowResult<TeamRow> {
    let (id, name, epoch, device, secret, created): (String, String, String, String, String, i64) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    );
    Ok((|| {
        Ok(TeamRow {
            id: team_id(&id)?,
            name,
            epoch: parse(&epoch)?,
            directory_device: parse(&device)?,
            directory_secret: secret,
            created_us: created,
        })
    })())
}

pub(crate) fn account_row(r: &Row) -> RowResult<AccountRow> {
    let (team, user, email, name, role, tier): (
        String,
        String,
        String,
        String,
        String,
        Option<u8>,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    );
    let (password_hash, disabled, created_us): (String, bool, i64) =
        (r.get(6)?, r.get(7)?, r.get(8)?);
    Ok((|| {
        Ok(AccountRow {
            team: team_id(&team)?,
            user: parse(&user)?,
            email,
            name,
            role: parse::<Role>(&role)?,
            tier: tier
                .map(|t| Tier::new(t).map_err(|e| StorageError::Corrupt(e.to_string())))
                .transpose()?,
            password_hash,
            disabled,
            created_us,
        })
    })())
}

pub(crate) fn device_row(r: &Row) -> RowResult<DeviceRow> {
    let (team, device, user, alias, name): (String, String, String, Option<String>, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
    let (public_key, revoked, created_us, last_seen_us): (String, bool, i64, Option<i64>) =
        (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?);
    Ok((|| {
        Ok(DeviceRow {
            team: team_id(&team)?,
            device: parse(&device)?,
            user: parse(&user)?,
            alias: alias.map(|a| parse(&a)).transpose()?,
            name,
            public_key,
            revoked,
            created_us,
            last_seen_us,
        })
    })())
}

pub(crate) fn token_row(r: &Row) -> RowResult<TokenRow> {
    let (hash, team, device, user, created_us, expires_us): (
        String,
        String,
        String,
        String,
        i64,
        i64,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    );
    Ok((|| {
        Ok(TokenRow {
            token_hash: hash,
            team: team_id(&team)?,
            device: parse(&device)?,
            user: parse(&user)?,
            created_us,
            expires_us,
        })
    })())
}

pub(crate) fn event_row(r: &Row) -> RowResult<EventRow> {
    let (position, received_us, id, incident, author): (i64, i64, String, Option<String>, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
    let (device, device_seq, hash, raw): (String, i64, String, String) =
        (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?);
    Ok((|| {
        Ok(EventRow {
            position: position as u64,
            received_us,
            id: parse(&id)?,
            incident: incident.map(|i| parse(&i)).transpose()?,
            author: parse(&author)?,
            device: parse(&device)?,
            device_seq: device_seq as u64,
            hash,
            raw,
        })
    })())
}

pub(crate) fn aside_row(r: &Row) -> RowResult<AsideEvent> {
    let (id, device, device_seq, hash, raw): (String, String, i64, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
    let (reason, code, detail, pushed_by, received_us): (
        String,
        Option<String>,
        String,
        String,
        i64,
    ) = (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?);
    Ok((|| {
        Ok(AsideEvent {
            id: parse(&id)?,
            device: parse(&device)?,
            device_seq: device_seq as u64,
            hash,
            raw,
            reason,
            code,
            detail,
            pushed_by: parse(&pushed_by)?,
            received_us,
        })
    })())
}

pub(crate) fn integration_row(r: &Row) -> RowResult<IntegrationRow> {
    let (team, name, user, device, secret, token_hash, revoked, created): (
        String,
        String,
        String,
        String,
        String,
        String,
        bool,
        i64,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    );
    Ok((|| {
        Ok(IntegrationRow {
            team: team_id(&team)?,
            name,
            user: parse(&user)?,
            device: parse(&device)?,
            device_secret: secret,
            token_hash,
            revoked,
            created_us: created,
        })
    })())
}
