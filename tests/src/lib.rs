//! `skillmeat-tests`: end-to-end tests of the real `skillmeat` binary over the
//! fixtures in `tests/fixtures/`. The tests live in `tests/tests/`; the
//! library holds what they and `make test-postgres` share.

pub mod postgres;
