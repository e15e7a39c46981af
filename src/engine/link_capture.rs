//! Captures that read Object Instance IDs from a CoRE link-format payload (a Register's object
//! list, a Discover or Bootstrap-Discover answer), so cases take the DUT's instance IDs from what
//! it said instead of assuming `/1/0`:
//!
//! * `instance./O`: the lowest Object Instance ID of Object O that the payload links
//!   (`</1/1>` → `1`); absent when none is listed.
//! * `free_instance./O`: the lowest Object Instance ID of Object O that the payload does not
//!   link, for a new instance that must not overwrite an existing one (`</0/0>,</0/1>` → `2`).

use crate::lwm2m::link_format;

/// `Some(value)` when `src` is one of these captures (`value` None: absent from the payload);
/// None when `src` is another kind of capture.
pub(super) fn capture(src: &str, payload: &[u8]) -> Option<Option<String>> {
    let (free, object) = if let Some(o) = src.strip_prefix("instance./") {
        (false, o)
    } else if let Some(o) = src.strip_prefix("free_instance./") {
        (true, o)
    } else {
        return None;
    };
    let Ok(object) = object.parse::<u16>() else {
        return Some(None);
    };
    let text = String::from_utf8_lossy(payload);
    let mut ids: Vec<u16> = link_format::parse(&text)
        .unwrap_or_default()
        .iter()
        .filter_map(|l| l.path())
        .filter(|p| p.object == Some(object) && p.resource.is_none())
        .filter_map(|p| p.instance)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Some(if free {
        (0..u16::MAX)
            .find(|i| ids.binary_search(i).is_err())
            .map(|i| i.to_string())
    } else {
        ids.first().map(u16::to_string)
    })
}

#[cfg(test)]
mod tests {
    use super::capture;

    #[test]
    fn instance_ids_come_from_the_links() {
        let register = b"</1/1>,</3/0>,</1/4/1>";
        assert_eq!(capture("instance./1", register), Some(Some("1".into())));
        assert_eq!(capture("instance./2", register), Some(None));
        let discover = br#"</0/0>;uri="coap://x",</0/1>,</0/3>,</1/1>"#;
        assert_eq!(capture("free_instance./0", discover), Some(Some("2".into())));
        assert_eq!(capture("free_instance./5", discover), Some(Some("0".into())));
        assert_eq!(capture("payload", discover), None);
        assert_eq!(capture("instance./x", discover), Some(None));
        assert_eq!(capture("instance./1", b"\xff\xfe not links"), Some(None));
    }
}
