//! Column types the row layer decodes itself (over `Any`, for SQLite and
//! PostgreSQL alike): artifact kinds, and flags.

use skillmeat_core::ArtifactKind;
use sqlx::any::{AnyTypeInfo, AnyValueRef};
use sqlx::error::BoxDynError;
use sqlx::{Any, Decode, Type, ValueRef};

/// A `kind` column: exactly one of the [`ArtifactKind::as_str`] names (the
/// schema's CHECK). Row structs read it as `ArtifactKind` with
/// `#[sqlx(try_from = "KindColumn")]`; any other text is a column decode
/// error (naming the column) where the row is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindColumn(pub ArtifactKind);

impl Type<Any> for KindColumn {
    fn type_info() -> AnyTypeInfo {
        <str as Type<Any>>::type_info()
    }
}

impl<'r> Decode<'r, Any> for KindColumn {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Any>>::decode(value)?;
        ArtifactKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .map(KindColumn)
            .ok_or_else(|| format!("{text:?} is not an artifact kind").into())
    }
}

impl From<KindColumn> for ArtifactKind {
    fn from(column: KindColumn) -> ArtifactKind {
        column.0
    }
}

/// A yes/no column or expression: a `BOOLEAN` in PostgreSQL, `0`/`1` in
/// SQLite (which has no boolean type: `Any` hands its `EXISTS (…)` and its
/// flag columns over as integers, which `bool` does not decode). Row structs
/// read it with `#[sqlx(try_from = "Flag")]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <bool as Type<Any>>::compatible(ty) || <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        if <i64 as Type<Any>>::compatible(&value.type_info()) {
            return match <i64 as Decode<Any>>::decode(value)? {
                0 => Ok(Flag(false)),
                1 => Ok(Flag(true)),
                n => Err(format!("{n} is not a flag (0 or 1)").into()),
            };
        }
        <bool as Decode<Any>>::decode(value).map(Flag)
    }
}

impl From<Flag> for bool {
    fn from(column: Flag) -> bool {
        column.0
    }
}

#[cfg(test)]
mod tests {
    use sqlx::{AnyConnection, Connection};

    use super::*;

    async fn memory() -> AnyConnection {
        sqlx::any::install_default_drivers();
        AnyConnection::connect("sqlite::memory:")
            .await
            .expect("an in-memory database")
    }

    #[tokio::test]
    async fn only_the_schema_names_decode() {
        let mut conn = memory().await;
        let cases = [
            ("skill", Some(ArtifactKind::Skill)),
            ("command", Some(ArtifactKind::Command)),
            ("agent", Some(ArtifactKind::Agent)),
            ("hook", Some(ArtifactKind::Hook)),
            ("mcp_server", Some(ArtifactKind::McpServer)),
            ("lsp_server", Some(ArtifactKind::LspServer)),
            ("composite", Some(ArtifactKind::Composite)),
            // Names `--type` accepts, which the schema never stores.
            ("plugin", None),
            ("skills", None),
            ("Skill", None),
            ("mcp", None),
            ("lsp", None),
            ("", None),
        ];
        for (text, expected) in cases {
            let got: Result<KindColumn, _> = sqlx::query_scalar("SELECT $1")
                .bind(text)
                .fetch_one(&mut conn)
                .await;
            match expected {
                Some(kind) => assert_eq!(got.ok(), Some(KindColumn(kind)), "{text:?}"),
                None => assert!(
                    matches!(got, Err(sqlx::Error::ColumnDecode { .. })),
                    "{text:?}: {got:?}"
                ),
            }
        }
    }

    #[tokio::test]
    async fn a_flag_is_a_boolean_or_zero_or_one() {
        let mut conn = memory().await;
        let cases = [
            ("SELECT 1", Some(true)),
            ("SELECT 0", Some(false)),
            ("SELECT EXISTS (SELECT 1)", Some(true)),
            ("SELECT EXISTS (SELECT 1 WHERE 0)", Some(false)),
            ("SELECT 2", None),
            ("SELECT 'yes'", None),
        ];
        for (sql, expected) in cases {
            let got: Result<Flag, _> = sqlx::query_scalar(sql).fetch_one(&mut conn).await;
            match expected {
                Some(flag) => assert_eq!(got.ok(), Some(Flag(flag)), "{sql}"),
                None => assert!(
                    matches!(got, Err(sqlx::Error::ColumnDecode { .. })),
                    "{sql}: {got:?}"
                ),
            }
        }
    }
}
