//! CoAP glue on top of coap-lite: an owned message view, codes, message-layer reliability, and
//! `layer`, the message layer of the reference DUTs built on it.

pub mod code;
pub mod layer;
pub mod message;
pub mod reliability;

pub use code::Code;
pub use message::{Message, MessageType, WireError};
