//! The JSON Schema of a case file (`lwm2m-conformance schema`), generated from the Rust types. The types with hand-written deserializers (one-key-map steps, value matchers, codes)
//! describe their accepted forms here, next to each other, so the schema says exactly
//! what the loader accepts.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::matcher::{CodeSet, FormatSet, TextMatcher};
use super::model::{
    Case, DutControl, ExpectNone, ExpectRequest, ExpectResponse, ExpectRetry, Notify, Respond, Retransmit, SendRequest,
    Step, Trigger,
};
use crate::coap::Code;

impl JsonSchema for Code {
    fn schema_name() -> Cow<'static, str> {
        "Code".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A CoAP code: a method (GET, POST, PUT, DELETE, FETCH) or a response code such as \"2.05\".",
            "anyOf": [{ "type": "string" }, { "type": "number" }]
        })
    }
}

impl JsonSchema for CodeSet {
    fn schema_name() -> Cow<'static, str> {
        "CodeSet".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let code = g.subschema_for::<Code>();
        json_schema!({ "description": "One code or a list of acceptable codes.", "anyOf": [code, { "type": "array", "items": code }] })
    }
}

impl JsonSchema for FormatSet {
    fn schema_name() -> Cow<'static, str> {
        "FormatSet".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let one = json_schema!({
            "description": "text, link-format, opaque, tlv, senml-json, senml-cbor, a number, requested, or none",
            "anyOf": [{ "type": "string" }, { "type": "integer" }]
        });
        json_schema!({ "anyOf": [one, { "type": "array", "items": one }] })
    }
}

impl JsonSchema for TextMatcher {
    fn schema_name() -> Cow<'static, str> {
        "TextMatcher".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "`present`, `absent`, a value (templated), {one_of: [...], optional: bool} or {starts_with: ...}",
            "anyOf": [
                { "type": ["string", "number", "boolean"] },
                {
                    "type": "object",
                    "properties": { "one_of": { "type": "array" }, "optional": { "type": "boolean" } },
                    "required": ["one_of"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "properties": { "starts_with": { "type": "string" } },
                    "required": ["starts_with"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

impl JsonSchema for super::path_matcher::PathMatcher {
    fn schema_name() -> Cow<'static, str> {
        "PathMatcher".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let level = g.subschema_for::<super::path_matcher::Level>();
        json_schema!({
            "description": "A Uri-Path template (templated), {one_of: [...]} or {targets: [root, object, instance, resource, resource-instance]}",
            "anyOf": [
                { "type": "string" },
                {
                    "type": "object",
                    "properties": { "one_of": { "type": "array", "items": { "type": "string" } } },
                    "required": ["one_of"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "properties": { "targets": { "type": "array", "items": level } },
                    "required": ["targets"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// One property whose value has schema `T`, and nothing else: how a step is written.
fn one_key<T: JsonSchema>(g: &mut SchemaGenerator, key: &str) -> Schema {
    let inner = g.subschema_for::<T>();
    json_schema!({
        "type": "object",
        "properties": { key: inner },
        "required": [key],
        "additionalProperties": false
    })
}

impl JsonSchema for Step {
    fn schema_name() -> Cow<'static, str> {
        "Step".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let kinds = vec![
            one_key::<ExpectRequest>(g, "expect"),
            one_key::<Respond>(g, "respond"),
            one_key::<SendRequest>(g, "send"),
            one_key::<ExpectResponse>(g, "expect_response"),
            one_key::<ExpectResponse>(g, "expect_notification"),
            one_key::<ExpectNone>(g, "expect_none"),
            one_key::<Option<DutControl>>(g, "stop_dut"),
            one_key::<Option<DutControl>>(g, "restart_dut"),
            one_key::<Trigger>(g, "trigger"),
            one_key::<ExpectRetry>(g, "expect_retry"),
            one_key::<Retransmit>(g, "retransmit"),
            one_key::<Notify>(g, "notify"),
        ];
        json_schema!({ "description": "One step: a one-key map naming its kind.", "oneOf": kinds })
    }
}

/// The schema of a test-case file.
pub fn case_schema() -> Schema {
    schemars::schema_for!(Case)
}
