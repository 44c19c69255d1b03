//! Artifact kinds as the database stores them.

use skillmeat_core::ArtifactKind;
use sqlx::error::BoxDynError;
use sqlx::sqlite::{SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Sqlite, Type};

/// A `kind` column: exactly one of the [`ArtifactKind::as_str`] names (the
/// schema's CHECK). Row structs read it as `ArtifactKind` with
/// `#[sqlx(try_from = "KindColumn")]`; any other text is a column decode
/// error (naming the column) where the row is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindColumn(pub ArtifactKind);

impl Type<Sqlite> for KindColumn {
    fn type_info() -> SqliteTypeInfo {
        <str as Type<Sqlite>>::type_info()
    }
}

impl<'r> Decode<'r, Sqlite> for KindColumn {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
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

#[cfg(test)]
mod tests {
    use sqlx::{Connection, SqliteConnection};

    use super::*;

    #[tokio::test]
    async fn only_the_schema_names_decode() {
        let mut conn = SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("an in-memory database");
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
            let got: Result<KindColumn, _> = sqlx::query_scalar("SELECT ?")
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
}
