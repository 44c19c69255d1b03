//! `skillmeat-tests`: end-to-end tests of the real `skillmeat` binary over the
//! fixtures in `tests/fixtures/`. The library part is empty; the tests live in
//! `tests/tests/`.
