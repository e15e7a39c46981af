//! The value a case gives a server DUT's `trigger` (and a `send` its `values`), as text: `VALUE`
//! for one Resource, `RES=VALUE,...` for the Resources of an Object Instance (a Write on the
//! instance, a Write-Partial, or a Create on the Object, whose instance ID the client picks).
//! Values are typed by the OMA object registry. The reference server builds its requests from
//! it, and trigger templates get it as SenML JSON (`{senml}`) for consoles that want that.

use super::objects::{ResourceType, resource_def};
use super::path::Path;
use super::value::{Record, Value};

/// The text of a value, typed as the registry defines the Resource (`None`: unknown, a string).
pub fn typed(text: &str, ty: Option<ResourceType>) -> Result<Value, String> {
    Ok(match ty {
        Some(ResourceType::Integer) => Value::Integer(text.parse().map_err(|_| format!("`{text}` is not an integer"))?),
        Some(ResourceType::UnsignedInteger) => Value::Integer(
            text.parse::<u64>()
                .ok()
                .and_then(|u| i64::try_from(u).ok())
                .ok_or_else(|| format!("`{text}` is not an unsigned integer"))?,
        ),
        Some(ResourceType::Time) => Value::Time(text.parse().map_err(|_| format!("`{text}` is not a time"))?),
        Some(ResourceType::Float) => Value::Float(text.parse().map_err(|_| format!("`{text}` is not a float"))?),
        Some(ResourceType::Boolean) => Value::Boolean(matches!(text, "1" | "true")),
        Some(ResourceType::Opaque) => Value::Opaque(text.as_bytes().to_vec()),
        Some(ResourceType::ObjLnk) => {
            let (a, b) = text
                .split_once(':')
                .ok_or_else(|| format!("`{text}` is not an object link o:i"))?;
            Value::ObjLnk(
                a.parse().map_err(|_| "bad object id".to_string())?,
                b.parse().map_err(|_| "bad instance id".to_string())?,
            )
        }
        _ => Value::String(text.to_string()),
    })
}

/// The records a trigger value stands for at `path`: one Resource's, or those of `RES=VALUE,...`
/// under the Object Instance (`create`: under instance 0 of the Object, a placeholder the client
/// replaces with the ID it picks).
pub fn records(path: &Path, arg: &str, create: bool) -> Result<Vec<Record>, String> {
    let object = path.object.unwrap_or_default();
    if let (Some(instance), Some(resource)) = (path.instance, path.resource) {
        let value = typed(arg, resource_def(object, resource).map(|d| d.ty))?;
        return Ok(vec![Record::new(Path::resource(object, instance, resource), value)]);
    }
    let instance = if create { 0 } else { path.instance.unwrap_or_default() };
    let mut records = Vec::new();
    for pair in arg.split(',').filter(|p| !p.trim().is_empty()) {
        let (r, v) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}` is not RES=VALUE"))?;
        let r: u16 = r.trim().parse().map_err(|_| format!("`{r}` is not a Resource ID"))?;
        let value = typed(v.trim(), resource_def(object, r).map(|d| d.ty))?;
        records.push(Record::new(Path::resource(object, instance, r), value));
    }
    Ok(records)
}

/// The value as SenML JSON: full names for a Resource or an instance's Resources; for a Create,
/// names relative to the new instance (`[{"n":"5700","v":21.5}]`), since its ID is the client's.
pub fn senml_json(path: &Path, arg: &str, create: bool) -> Result<String, String> {
    let records = records(path, arg, create)?;
    if !create {
        return Ok(String::from_utf8_lossy(&super::senml::encode_json(&records)).into_owned());
    }
    let pack: Vec<serde_json::Value> = records
        .iter()
        .filter_map(|r| {
            let one = super::senml::encode_json(std::slice::from_ref(r));
            let mut v: Vec<serde_json::Value> = serde_json::from_slice(&one).ok()?;
            let mut m = v.pop()?.as_object()?.clone();
            m.remove("bn");
            m.insert("n".into(), r.path.resource.unwrap_or_default().to_string().into());
            Some(serde_json::Value::Object(m))
        })
        .collect();
    Ok(serde_json::Value::Array(pack).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Path {
        s.parse().expect("path")
    }

    #[test]
    fn senml_forms_of_each_trigger_value() {
        assert_eq!(
            senml_json(&p("/3/0/14"), "+02:00", false).unwrap(),
            r#"[{"bn":"/3/0/14","vs":"+02:00"}]"#
        );
        assert_eq!(
            senml_json(&p("/3/0"), "15=Europe/Berlin", false).unwrap(),
            r#"[{"bn":"/3/0/15","vs":"Europe/Berlin"}]"#
        );
        // 3303 is not in the harness's registry: its Resources are strings.
        assert_eq!(
            senml_json(&p("/3303"), "5700=21.5", true).unwrap(),
            r#"[{"n":"5700","vs":"21.5"}]"#
        );
        assert_eq!(
            senml_json(&p("/1"), "0=2,1=300", true).unwrap(),
            r#"[{"n":"0","v":2},{"n":"1","v":300}]"#
        );
        assert!(senml_json(&p("/3/0"), "nonsense", false).is_err());
    }
}
