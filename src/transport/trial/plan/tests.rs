//! The plan without sockets: addresses are literals, the process is a made-up one.

use super::*;
use crate::profile::Attach;
use crate::yaml::parse_yaml;
use std::path::Path;

fn case(role: &str, start: Option<&str>) -> Case {
    let start = start.map(|s| format!("start: {s}\n")).unwrap_or_default();
    let yaml = format!(
        "id: plan-case\ntitle: t\ndut: {role}\n{start}requirements: [REG-X]\ncatches: f\nsteps:\n  - expect_none: {{ within: 1s }}\n"
    );
    parse_yaml(Path::new("inline.yaml"), &yaml).expect("test case parses")
}

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("literal address")
}

fn cx() -> Context {
    Context {
        exe: PathBuf::from("/opt/harness"),
        pid: 4242,
    }
}

fn attached(role: Role, attach: Attach) -> Profile {
    let mut p = crate::profile::reference(role, &[]).expect("the built-in profile loads");
    p.launch = None;
    p.attach = Some(attach);
    p
}

#[test]
fn a_client_dut_is_given_the_harness_servers_and_an_endpoint_name_of_its_case() {
    let c = case("client", None);
    let p = crate::profile::reference(Role::Client, &[]).expect("the built-in profile loads");
    let eps = vec![
        ("server".to_string(), addr("127.1.2.3:5683")),
        ("bootstrap".to_string(), addr("127.4.5.6:5683")),
    ];
    assert_eq!(dut_place(&c, &p), DutPlace::Nowhere);
    let plan = prepare(&c, &p, &eps, None, &cx()).expect("plan");
    assert_eq!(plan.setup.server, addr("127.1.2.3:5683"));
    assert_eq!(plan.setup.endpoints, eps);
    assert_eq!(plan.setup.dut_address, None);
    assert_eq!(plan.setup.endpoint, "urn:dev:lwm2m-conformance:plan-case");
    assert_eq!(plan.setup.seed, fnv1a(b"plan-case"));
    assert_eq!(plan.setup.stop, "SIGTERM");
    assert_eq!(plan.server_side, addr("127.1.2.3:5683"));
    assert!(plan.launch.is_some(), "the reference client is launched");
    let v = &plan.vars;
    assert_eq!(v.get("exe"), Some("/opt/harness"));
    assert_eq!(v.get("server_host"), Some("127.1.2.3"));
    assert_eq!(v.get("server_port"), Some("5683"));
    assert_eq!(v.get("bootstrap_uri"), Some("coap://127.4.5.6:5683"));
    assert_eq!(v.get("endpoint"), Some("urn:dev:lwm2m-conformance:plan-case"));
    assert_eq!(v.get("case"), Some("plan-case"));
    assert_eq!(v.get("client_host"), None);
}

#[test]
fn a_server_dut_listens_on_its_own_loopback_address_which_is_the_server_side_of_the_capture() {
    let c = case("server", None);
    let p = crate::profile::reference(Role::Server, &[]).expect("the built-in profile loads");
    assert_eq!(dut_place(&c, &p), DutPlace::Loopback(format!("plan-case#{}", p.name)));
    let eps = vec![("client".to_string(), addr("127.1.2.3:40000"))];
    let dut = addr("127.7.7.7:5683");
    let plan = prepare(&c, &p, &eps, Some(dut), &cx()).expect("plan");
    assert_eq!(plan.setup.dut_address, Some(dut));
    assert_eq!(plan.server_side, dut);
    assert_eq!(plan.vars.get("dut_host"), Some("127.7.7.7"));
    assert_eq!(plan.vars.get("dut_port"), Some("5683"));
    assert_eq!(plan.vars.get("client_port"), Some("40000"));
}

#[test]
fn a_client_awaiting_a_server_initiated_bootstrap_listens_too() {
    let c = case("client", Some("server-initiated-bootstrap"));
    let p = crate::profile::reference(Role::Client, &[]).expect("the built-in profile loads");
    assert!(matches!(dut_place(&c, &p), DutPlace::Loopback(_)));
    let eps = vec![("server".to_string(), addr("127.1.2.3:5683"))];
    let plan = prepare(&c, &p, &eps, Some(addr("127.7.7.7:5683")), &cx()).expect("plan");
    assert_eq!(plan.vars.get("client_host"), Some("127.7.7.7"));
    assert_eq!(
        plan.server_side,
        addr("127.1.2.3:5683"),
        "the harness is the server side"
    );
    assert!(
        plan.launch
            .is_some_and(|l| std::ptr::eq(l, p.server_initiated_launch.as_ref().unwrap()))
    );
}

#[test]
fn an_attached_dut_is_where_and_who_its_profile_says() {
    let at = addr("127.0.0.1:5690");
    let p = attached(
        Role::Server,
        Attach {
            server_bind: None,
            dut_address: Some(at),
            endpoint: Some("my-device".into()),
        },
    );
    let c = case("server", None);
    assert_eq!(dut_place(&c, &p), DutPlace::Fixed(at));
    let eps = vec![("client".to_string(), addr("127.1.2.3:40000"))];
    let plan = prepare(&c, &p, &eps, Some(at), &cx()).expect("plan");
    assert_eq!(plan.setup.endpoint, "my-device");
    assert!(plan.launch.is_none(), "nothing is launched");
}

#[test]
fn a_dut_that_binds_for_itself_is_reached_there() {
    let c = case("server", None);
    let mut p = crate::profile::reference(Role::Server, &[]).expect("the built-in profile loads");
    p.binds = Some(addr("0.0.0.0:0"));
    assert_eq!(
        dut_place(&c, &p),
        DutPlace::FreeEverywhere("127.0.0.1".parse().unwrap())
    );
    p.binds = Some(addr("0.0.0.0:5700"));
    assert_eq!(dut_place(&c, &p), DutPlace::Fixed(addr("127.0.0.1:5700")));
    // A client DUT that does not listen is reached nowhere, whatever it binds.
    assert_eq!(dut_place(&case("client", None), &p), DutPlace::Nowhere);
}

#[test]
fn an_endpoint_name_that_does_not_render_or_no_endpoint_at_all_is_a_harness_error() {
    let c = case("client", None);
    let mut p = crate::profile::reference(Role::Client, &[]).expect("the built-in profile loads");
    let eps = vec![("server".to_string(), addr("127.1.2.3:5683"))];
    p.endpoint = "dev-{pid}-{case}".into();
    let plan = prepare(&c, &p, &eps, None, &cx()).expect("plan");
    assert_eq!(plan.setup.endpoint, "dev-4242-plan-case");
    p.endpoint = "dev-{nonsense}".into();
    let e = prepare(&c, &p, &eps, None, &cx()).unwrap_err();
    assert!(e.starts_with("profile endpoint:"), "{e}");
    let e = prepare(
        &c,
        &crate::profile::reference(Role::Client, &[]).expect("the built-in profile loads"),
        &[],
        None,
        &cx(),
    )
    .unwrap_err();
    assert_eq!(e, "no harness endpoint");
}
