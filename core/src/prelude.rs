//! What std's prelude gives and a `no_std` crate must import: `use
//! crate::prelude::*;` at the top of a module.

pub use alloc::borrow::ToOwned;
pub use alloc::format;
pub use alloc::string::{String, ToString};
pub use alloc::vec;
pub use alloc::vec::Vec;
