//! The spans and events core emits for the engine (ARCHITECTURE.md,
//! Observability), through `tracing` when the `tracing` feature is on: the
//! default, and what the engine builds. The browser package builds core
//! without it, and then these stand-ins compile to nothing (even with
//! tracing's `max_level_off`, the spans cost the package 1.9 KB).

#[cfg(feature = "tracing")]
pub(crate) use tracing::{Span, debug, field::display, info_span};

#[cfg(not(feature = "tracing"))]
pub(crate) use off::{Span, debug, display, info_span};

#[cfg(not(feature = "tracing"))]
mod off {
    /// `tracing::Span` that records nothing.
    #[derive(Debug)]
    pub(crate) struct Span;

    /// What `Span::enter` returns.
    #[derive(Debug)]
    pub(crate) struct Entered;

    impl Span {
        pub(crate) fn enter(&self) -> Entered {
            Entered
        }

        pub(crate) fn record<V>(&self, _field: &str, _value: V) -> &Self {
            self
        }
    }

    /// `tracing::field::display`.
    pub(crate) fn display<T>(value: T) -> T {
        value
    }

    /// `tracing::info_span!`: its fields are not evaluated (nor resolved, so
    /// they may name `tracing::field::Empty`).
    macro_rules! info_span {
        ($($field:tt)*) => {
            $crate::spans::Span
        };
    }

    /// `tracing::debug!`: its fields are not evaluated.
    macro_rules! debug {
        ($($field:tt)*) => {};
    }

    pub(crate) use {debug, info_span};
}
