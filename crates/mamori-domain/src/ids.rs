//! Identifiers. Every entity has its own newtype so that a `BodyId` can never be passed where an
//! `AccountId` is expected. Ids are UUIDv7 (time-ordered), stored as text in both databases.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id. The timestamp comes from the system clock inside `uuid`;
            /// ids carry no meaning beyond uniqueness and rough order.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = crate::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| crate::DomainError::new("ID", format!("「{s}」はIDの形式ではありません")))
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// A 地方公共団体 (the tenant).
    BodyId
);
id_type!(
    /// A login account.
    AccountId
);
id_type!(
    /// A 部局, 課室 or 係.
    OrgUnitId
);
id_type!(
    /// A person (職員等).
    PersonId
);
id_type!(
    /// A role assignment.
    RoleAssignmentId
);
id_type!(
    /// An edition (第N版) of a body's policy.
    EditionId
);
id_type!(
    /// A request, for tying log lines, audit records and error pages together.
    RequestId
);

id_type!(
    /// A 人事異動 batch.
    TransferId
);

id_type!(
    /// An entry of the 情報資産台帳.
    AssetId
);

id_type!(
    /// An entry of the risk register.
    RiskId
);

id_type!(
    /// A file attached to an application (添付資料).
    ApplicationFileId
);

id_type!(
    /// A lifecycle record of an asset (作成, 運搬, 廃棄 …).
    AssetEventId
);

id_type!(
    /// An application for a 許可 or 承認 (運搬, 持ち出し, 例外措置 …).
    ApplicationId
);

id_type!(
    /// An お知らせ to one person.
    NotificationId
);

id_type!(
    /// An e-mail in the outbox.
    MailId
);

id_type!(
    /// A meeting of a 委員会 (情報セキュリティ委員会) with its 議決.
    MeetingId
);

id_type!(
    /// One backup taken of the installation (scheduled, from the screen or by the command).
    BackupRunId
);

id_type!(
    /// A 情報セキュリティインシデント as reported (報告), triaged and handled.
    IncidentId
);

id_type!(
    /// A file kept with an incident (証拠, 報告書の写し).
    IncidentFileId
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = BodyId::new();
        assert_eq!(id.to_string().parse::<BodyId>().unwrap(), id);
    }

    #[test]
    fn a_malformed_id_is_a_japanese_error() {
        let err = "abc".parse::<AccountId>().unwrap_err();
        assert_eq!(err.field, "ID");
        assert!(err.message.contains("abc"));
    }
}
