//! Resource definitions of the core objects the harness must type.
//!
//! Transcribed from the OMA LwM2M registry: LWM2M_Security-v1_0.xml (object 0,
//! resources 0-12), LWM2M_Server-v1_1.xml (object 1, resources 0-20; 0-8 are
//! the 1.0 object, 9-20 were added by object version 1.1 for LwM2M 1.1) and
//! LWM2M_Device-v1_0_2.xml (object 3, resources 0-22). Security resources,
//! and Server resources 13-20, have no operations in the registry (only the
//! Bootstrap-Server reaches them), hence "".

/// Data type of a resource, as in the registry's `<Type>` element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceType {
    /// UTF-8 text.
    String,
    /// A signed integer, 1-8 bytes in TLV.
    Integer,
    /// LwM2M 1.1 "Unsigned Integer"; carried as a non-negative [`Value::Integer`](super::Value).
    UnsignedInteger,
    /// IEEE 754, 4 or 8 bytes in TLV.
    Float,
    /// 0 or 1.
    Boolean,
    /// A byte sequence (keys, certificates), base64 in SenML JSON.
    Opaque,
    /// Seconds since 1970-01-01 UTC, as a signed integer.
    Time,
    /// An Object Link: Object ID and Object Instance ID (`3:0`).
    ObjLnk,
    /// Execute-only resources carry no value.
    None,
}

/// One Resource of a core Object, as its registry XML defines it.
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceDef {
    /// Resource ID.
    pub id: u16,
    /// The registry's name, e.g. "Lifetime".
    pub name: &'static str,
    /// Allowed operations as in the registry: "R", "W", "RW", "E", or "" (reached only by Bootstrap).
    pub operations: &'static str,
    /// Multiple-instance Resource (values at /O/I/R/RI).
    pub multiple: bool,
    /// Mandatory in every instance of the Object.
    pub mandatory: bool,
    /// Data type of its values.
    pub ty: ResourceType,
}

use ResourceType as T;

const fn def(
    id: u16,
    name: &'static str,
    operations: &'static str,
    multiple: bool,
    mandatory: bool,
    ty: ResourceType,
) -> ResourceDef {
    ResourceDef {
        id,
        name,
        operations,
        multiple,
        mandatory,
        ty,
    }
}

const SINGLE: bool = false;
const MULTI: bool = true;
const MAND: bool = true;
const OPT: bool = false;

static SECURITY: [ResourceDef; 13] = [
    def(0, "LWM2M Server URI", "", SINGLE, MAND, T::String),
    def(1, "Bootstrap-Server", "", SINGLE, MAND, T::Boolean),
    def(2, "Security Mode", "", SINGLE, MAND, T::Integer),
    def(3, "Public Key or Identity", "", SINGLE, MAND, T::Opaque),
    def(4, "Server Public Key", "", SINGLE, MAND, T::Opaque),
    def(5, "Secret Key", "", SINGLE, MAND, T::Opaque),
    def(6, "SMS Security Mode", "", SINGLE, OPT, T::Integer),
    def(7, "SMS Binding Key Parameters", "", SINGLE, OPT, T::Opaque),
    def(8, "SMS Binding Secret Key(s)", "", SINGLE, OPT, T::Opaque),
    def(9, "LwM2M Server SMS Number", "", SINGLE, OPT, T::String),
    def(10, "Short Server ID", "", SINGLE, OPT, T::Integer),
    def(11, "Client Hold Off Time", "", SINGLE, OPT, T::Integer),
    def(12, "Bootstrap-Server Account Timeout", "", SINGLE, OPT, T::Integer),
];

static SERVER: [ResourceDef; 21] = [
    def(0, "Short Server ID", "R", SINGLE, MAND, T::Integer),
    def(1, "Lifetime", "RW", SINGLE, MAND, T::Integer),
    def(2, "Default Minimum Period", "RW", SINGLE, OPT, T::Integer),
    def(3, "Default Maximum Period", "RW", SINGLE, OPT, T::Integer),
    def(4, "Disable", "E", SINGLE, OPT, T::None),
    def(5, "Disable Timeout", "RW", SINGLE, OPT, T::Integer),
    def(
        6,
        "Notification Storing When Disabled or Offline",
        "RW",
        SINGLE,
        MAND,
        T::Boolean,
    ),
    def(7, "Binding", "RW", SINGLE, MAND, T::String),
    def(8, "Registration Update Trigger", "E", SINGLE, MAND, T::None),
    // Object version 1.1 (LwM2M 1.1): the registration and retry policy of the account.
    def(9, "Bootstrap-Request Trigger", "E", SINGLE, OPT, T::None),
    def(10, "APN Link", "RW", SINGLE, OPT, T::ObjLnk),
    def(11, "TLS-DTLS Alert Code", "R", SINGLE, OPT, T::UnsignedInteger),
    def(12, "Last Bootstrapped", "R", SINGLE, OPT, T::Time),
    def(13, "Registration Priority Order", "", SINGLE, OPT, T::UnsignedInteger),
    def(
        14,
        "Initial Registration Delay Timer",
        "",
        SINGLE,
        OPT,
        T::UnsignedInteger,
    ),
    def(15, "Registration Failure Block", "", SINGLE, OPT, T::Boolean),
    def(16, "Bootstrap on Registration Failure", "", SINGLE, OPT, T::Boolean),
    def(17, "Communication Retry Count", "", SINGLE, OPT, T::UnsignedInteger),
    def(18, "Communication Retry Timer", "", SINGLE, OPT, T::UnsignedInteger),
    def(
        19,
        "Communication Sequence Delay Timer",
        "",
        SINGLE,
        OPT,
        T::UnsignedInteger,
    ),
    def(
        20,
        "Communication Sequence Retry Count",
        "",
        SINGLE,
        OPT,
        T::UnsignedInteger,
    ),
];

static DEVICE: [ResourceDef; 23] = [
    def(0, "Manufacturer", "R", SINGLE, OPT, T::String),
    def(1, "Model Number", "R", SINGLE, OPT, T::String),
    def(2, "Serial Number", "R", SINGLE, OPT, T::String),
    def(3, "Firmware Version", "R", SINGLE, OPT, T::String),
    def(4, "Reboot", "E", SINGLE, MAND, T::None),
    def(5, "Factory Reset", "E", SINGLE, OPT, T::None),
    def(6, "Available Power Sources", "R", MULTI, OPT, T::Integer),
    def(7, "Power Source Voltage", "R", MULTI, OPT, T::Integer),
    def(8, "Power Source Current", "R", MULTI, OPT, T::Integer),
    def(9, "Battery Level", "R", SINGLE, OPT, T::Integer),
    def(10, "Memory Free", "R", SINGLE, OPT, T::Integer),
    def(11, "Error Code", "R", MULTI, MAND, T::Integer),
    def(12, "Reset Error Code", "E", SINGLE, OPT, T::None),
    def(13, "Current Time", "RW", SINGLE, OPT, T::Time),
    def(14, "UTC Offset", "RW", SINGLE, OPT, T::String),
    def(15, "Timezone", "RW", SINGLE, OPT, T::String),
    def(16, "Supported Binding and Modes", "R", SINGLE, MAND, T::String),
    def(17, "Device Type", "R", SINGLE, OPT, T::String),
    def(18, "Hardware Version", "R", SINGLE, OPT, T::String),
    def(19, "Software Version", "R", SINGLE, OPT, T::String),
    def(20, "Battery Status", "R", SINGLE, OPT, T::Integer),
    def(21, "Memory Total", "R", SINGLE, OPT, T::Integer),
    def(22, "ExtDevInfo", "R", MULTI, OPT, T::ObjLnk),
];

fn table(object: u16) -> Option<&'static [ResourceDef]> {
    match object {
        0 => Some(&SECURITY),
        1 => Some(&SERVER),
        3 => Some(&DEVICE),
        _ => None,
    }
}

/// Definition of `/object/*/resource`, if the object is one we know.
pub fn resource_def(object: u16, resource: u16) -> Option<&'static ResourceDef> {
    table(object)?.iter().find(|d| d.id == resource)
}

/// Every resource of a known object, in id order.
pub fn resource_defs(object: u16) -> &'static [ResourceDef] {
    table(object).unwrap_or(&[])
}

/// The registry name of Object 0, 1 or 3; None for an Object this crate has no definitions for.
pub fn object_name(object: u16) -> Option<&'static str> {
    match object {
        0 => Some("LWM2M Security"),
        1 => Some("LWM2M Server"),
        3 => Some("Device"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_dense_and_ordered() {
        for (object, count) in [(0, 13), (1, 21), (3, 23)] {
            let defs = resource_defs(object);
            assert_eq!(defs.len(), count);
            for (i, d) in defs.iter().enumerate() {
                assert_eq!(usize::from(d.id), i, "object {object}");
                // Execute-only resources, and only those, have no type.
                assert_eq!(d.operations == "E", d.ty == ResourceType::None, "{object}/{}", d.id);
            }
        }
    }

    #[test]
    fn spot_checks() {
        let lifetime = resource_def(1, 1);
        assert_eq!(
            lifetime.map(|d| (d.name, d.ty)),
            Some(("Lifetime", ResourceType::Integer))
        );
        assert_eq!(resource_def(3, 13).map(|d| d.ty), Some(ResourceType::Time));
        assert_eq!(
            resource_def(3, 11).map(|d| (d.multiple, d.mandatory)),
            Some((true, true))
        );
        assert_eq!(resource_def(3, 22).map(|d| d.ty), Some(ResourceType::ObjLnk));
        assert_eq!(resource_def(0, 3).map(|d| d.ty), Some(ResourceType::Opaque));
        assert!(resource_def(3, 23).is_none());
        // LwM2M 1.1 Server object: the registration policy resources, Bootstrap-Server only.
        assert_eq!(
            resource_def(1, 13).map(|d| (d.name, d.operations, d.ty)),
            Some(("Registration Priority Order", "", ResourceType::UnsignedInteger))
        );
        assert_eq!(resource_def(1, 16).map(|d| d.ty), Some(ResourceType::Boolean));
        assert_eq!(resource_def(1, 20).map(|d| d.ty), Some(ResourceType::UnsignedInteger));
        assert!(resource_def(1, 21).is_none());
        assert!(resource_def(2, 0).is_none());
        assert_eq!(object_name(3), Some("Device"));
        assert_eq!(object_name(5), None);
    }
}
