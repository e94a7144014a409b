//! The CLI's words for the API's hints: the command or flag that is the person's next step. The API says what
//! happened in the product's words; only this file knows how the CLI spells the next step.

use casebook_api::{Field, Hint};

/// The next step, as a line a person can act on at the terminal.
pub fn words(hint: &Hint) -> String {
    match hint {
        Hint::Input { field, example } => match field {
            Field::Name => format!("add --name \"{example}\""),
            Field::Tier => format!("add --tier {example} (1, 2 or 3)"),
            Field::Title => format!("give a title, e.g. casebook incident new \"{example}\""),
            Field::Reason => format!("add --reason \"{example}\""),
            Field::Resolution => {
                format!("`casebook incident close KEY --resolution {example}` (or false-positive, benign, duplicate)")
            }
            Field::SearchWords => format!("e.g. casebook search \"{example}\""),
            Field::TimelineFormat | Field::AlertFormat => format!("add --format {example}"),
        },
        Hint::ListIncidents => "`casebook incident list` shows what is here".into(),
        Hint::ListTasks { incident } => format!("`casebook task list {incident}` shows them"),
        Hint::ListEvidence { incident } => format!("`casebook evidence list {incident}` shows it"),
        Hint::ListUsers => "`casebook user list` shows who is registered, with their ids".into(),
        Hint::CreateProfile => {
            "run `casebook init --name \"Your Name\" --role responder --tier 1` first".into()
        }
        Hint::OtherDataDirectory => "pass --data-dir with another directory".into(),
        Hint::JoinTeam => {
            "join with `casebook login https://SERVER:8443 --user YOU@EXAMPLE --ca-cert cert.pem`"
                .into()
        }
        Hint::SignIn { server, email } => {
            format!("sign in again: casebook login {server} --user {email}")
        }
        Hint::FetchEvidence { incident, evidence } => {
            format!(
                "`casebook evidence fetch {incident} {evidence}` brings it from the team server"
            )
        }
        Hint::VerifyEvidence { incident } => {
            format!("`casebook evidence verify {incident}` re-hashes every stored file")
        }
        Hint::RequestEscalation { incident } => {
            format!("request one with `casebook escalate {incident} --to-tier 2 --reason \"…\"`")
        }
        Hint::Unlock => {
            "type the passphrase when asked (on a terminal), or set CASEBOOK_PASSPHRASE_FILE to a file holding \
             it; `casebook unlock` checks it"
                .into()
        }
        Hint::EncryptDirectory => {
            "`casebook encrypt` encrypts this data directory in place (close other Casebook windows first)".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_the_cli_command_with_the_values_of_the_case() {
        assert_eq!(
            words(&Hint::FetchEvidence {
                incident: "INC-7".into(),
                evidence: "9f86d081884c".into()
            }),
            "`casebook evidence fetch INC-7 9f86d081884c` brings it from the team server"
        );
        assert_eq!(
            words(&Hint::Input {
                field: Field::Reason,
                example: "Credential theft confirmed".into()
            }),
            "add --reason \"Credential theft confirmed\""
        );
    }
}
