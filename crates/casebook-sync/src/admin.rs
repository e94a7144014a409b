//! The admins' routes of the team server: accounts and devices. The server checks the caller's role; a laptop
//! signed in as anyone else gets its `forbidden` answer.

use casebook_core::{DeviceId, UserId};
use casebook_protocol::{routes, Account, AccountChange, Device, NewAccount};

use crate::client::{Client, Result};

impl Client {
    /// Every account of the team.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        self.get(routes::ACCOUNTS)
    }

    /// Adds an account; the server records it in the team directory.
    pub fn add_account(&self, new: &NewAccount) -> Result<Account> {
        self.send("POST", routes::ACCOUNTS, new)
    }

    /// Changes an account's role or tier, or disables or enables it.
    pub fn change_account(&self, user: UserId, change: &AccountChange) -> Result<Account> {
        self.send(
            "PATCH",
            &routes::ACCOUNT.replace("{user}", &user.to_string()),
            change,
        )
    }

    /// Every device bound to an account of the team.
    pub fn devices(&self) -> Result<Vec<Device>> {
        self.get(routes::DEVICES)
    }

    /// Revokes a device: its tokens stop working at once.
    pub fn revoke_device(&self, device: DeviceId) -> Result<Device> {
        let url = self.url(&routes::DEVICE.replace("{device}", &device.to_string()));
        self.answer(self.auth(self.agent.delete(&url)).call())
    }
}
