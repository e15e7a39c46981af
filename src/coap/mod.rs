//! CoAP glue on top of coap-lite: an owned message view, codes, and message-layer reliability.

pub mod code;
pub mod layer;
pub mod message;
pub mod reliability;

pub use code::Code;
pub use message::{Message, MessageType, WireError};
