//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the API.
//!
//! - the document is well-formed OpenAPI 3.1 (every `$ref` resolves, every operation has
//!   responses, path parameters match the templates, ids are unique…);
//! - it documents every route of the API router and nothing else: the router
//!   (`src/http/api/mod.rs`) routes only through `routes!(…)`, which adds each handler's
//!   documentation to the document (read from its source: a route around it fails), and
//!   every documented operation answers as routed;
//! - real answers of every operation, with real data (a network, an event with sessions,
//!   sign-ups, attendance, mails, downloads, statistics, the participant's own endpoints and
//!   the errors), have a documented status and content type and match their schema, with no
//!   undocumented field;
//! - schemathesis (installed by `scripts/schemathesis`) fuzzes the live service from the
//!   document: no 5xx, only documented status codes, content types and headers, answers
//!   matching their schemas.
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::{header, Method};
use serde_json::{json, Value};

use crate::helpers::{Engine, TestApp};
use crate::on_both_engines;

on_both_engines!(real_answers_match_the_document, schemathesis_finds_nothing);

// The description does not depend on the database: these two run on SQLite only.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_is_valid_openapi_3_1() {
    let app = TestApp::spawn(Engine::Sqlite, None).await.expect("an app");
    check_document(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_documented() {
    let app = TestApp::spawn(Engine::Sqlite, None).await.expect("an app");
    check_routes(&app).await;
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The description as served, without a token.
async fn document(app: &TestApp) -> Value {
    let res = reqwest::get(app.url("/openapi.json"))
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let content_type = res.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let cache = res.headers()[header::CACHE_CONTROL].to_str().unwrap();
    assert!(cache.starts_with("public"), "Cache-Control: {cache}");
    res.json().await.expect("the description is JSON")
}

/// The target of a local `$ref` (`#/components/…`).
fn pointer<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// Follows `$ref`s to the object they name.
fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => v = pointer(doc, r).unwrap_or_else(|| panic!("unresolvable {r}")),
            None => return v,
        }
    }
    panic!("a $ref cycle");
}

/// Every `$ref` anywhere in `v`, with where it is.
fn refs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "$ref" {
                    if let Some(r) = child.as_str() {
                        out.push((at.to_string(), r.to_string()));
                    }
                } else {
                    refs(child, &format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                refs(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Every operation: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((method.to_uppercase(), path.clone(), op));
            }
        }
    }
    out
}

/// `{name}` segments of a path template.
fn template_params(path: &str) -> BTreeSet<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_string)
        .collect()
}

async fn check_document(app: &TestApp) {
    let doc = document(app).await;
    let mut problems: Vec<String> = Vec::new();

    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1"), "openapi: {version}");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());

    let mut found = Vec::new();
    refs(&doc, "#", &mut found);
    assert!(!found.is_empty());
    for (at, r) in &found {
        if !r.starts_with("#/") || pointer(&doc, r).is_none() {
            problems.push(format!("{at}: $ref {r} does not resolve"));
        }
    }

    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        schemes.get("bearer"),
        Some(&json!({"type": "http", "scheme": "bearer",
            "description": schemes["bearer"]["description"]})),
        "a bearer security scheme"
    );
    let tags: HashSet<&str> = doc["tags"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();

    let mut ids = HashSet::new();
    let ops = operations(&doc);
    assert!(ops.len() >= 25, "{} operations", ops.len());
    for (method, path, op) in &ops {
        let name = format!("{method} {path}");
        if !path.starts_with('/') {
            problems.push(format!("{name}: the path must start with /"));
        }
        match op["operationId"].as_str() {
            Some(id) if ids.insert(id.to_string()) => {}
            Some(id) => problems.push(format!("{name}: operationId {id} is used twice")),
            None => problems.push(format!("{name}: no operationId")),
        }
        for tag in op["tags"].as_array().into_iter().flatten() {
            if !tags.contains(tag.as_str().unwrap_or_default()) {
                problems.push(format!("{name}: tag {tag} is not declared"));
            }
        }
        // Path parameters: exactly the template's, each required.
        let mut declared = BTreeSet::new();
        for p in op["parameters"].as_array().into_iter().flatten() {
            let p = resolve(&doc, p);
            if p["in"] == "path" {
                declared.insert(p["name"].as_str().unwrap_or_default().to_string());
                if p["required"] != true {
                    problems.push(format!("{name}: path parameter {} not required", p["name"]));
                }
            }
            if p["schema"].is_null() {
                problems.push(format!("{name}: parameter {} has no schema", p["name"]));
            }
        }
        if declared != template_params(path) {
            problems.push(format!(
                "{name}: path parameters {declared:?} differ from the template"
            ));
        }
        // Security: known schemes only.
        for requirement in op["security"].as_array().into_iter().flatten() {
            for scheme in requirement.as_object().unwrap().keys() {
                if !schemes.contains_key(scheme) {
                    problems.push(format!("{name}: unknown security scheme {scheme}"));
                }
            }
        }
        if let Some(body) = op.get("requestBody") {
            let body = resolve(&doc, body);
            if body["content"].as_object().is_none_or(|c| c.is_empty()) {
                problems.push(format!("{name}: a request body without content"));
            }
        }
        // Responses: at least one success, each with a description; errors in the API's
        // format (except the bodiless 414 and 503).
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        if !responses.keys().any(|s| s.starts_with('2')) {
            problems.push(format!("{name}: no success response"));
        }
        for (status, response) in &responses {
            let valid_status = status == "default"
                || status.parse::<u16>().is_ok_and(|s| (100..600).contains(&s))
                || (status.len() == 3 && status.ends_with("XX"));
            if !valid_status {
                problems.push(format!("{name}: status {status}"));
            }
            let response = resolve(&doc, response);
            if !response["description"].is_string() {
                problems.push(format!("{name} {status}: no description"));
            }
            let is_error = status.starts_with('4') || status.starts_with('5');
            if is_error && status != "414" && status != "503" {
                let schema = &response["content"]["application/json"]["schema"];
                let text = schema.to_string();
                if !text.contains("#/components/schemas/ErrorBody") {
                    problems.push(format!("{name} {status}: not the error format"));
                }
            }
        }
        for status in ["429", "500", "503"] {
            if !responses.contains_key(status) {
                problems.push(format!("{name}: {status} is not documented"));
            }
        }
        if op.get("requestBody").is_some() && !responses.contains_key("413") {
            problems.push(format!("{name}: takes a body but 413 is not documented"));
        }
        let json_body = op
            .get("requestBody")
            .map(|b| resolve(&doc, b))
            .is_some_and(|b| b["content"].get("application/json").is_some());
        let required_json = json_body
            && op
                .get("requestBody")
                .map(|b| resolve(&doc, b))
                .is_some_and(|b| b["required"] == true);
        if required_json && !responses.contains_key("415") {
            problems.push(format!("{name}: takes JSON but 415 is not documented"));
        }
        if op["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()))
            && !responses.contains_key("401")
        {
            problems.push(format!(
                "{name}: takes a bearer token but 401 is not documented"
            ));
        }
    }

    // Links name existing operations and their parameters.
    let by_id: HashMap<&str, &Value> = ops
        .iter()
        .filter_map(|(_, _, op)| Some((op["operationId"].as_str()?, *op)))
        .collect();
    for (method, path, op) in &ops {
        for (status, response) in op["responses"].as_object().into_iter().flatten() {
            let links = resolve(&doc, response)["links"].as_object().cloned();
            for (name, link) in links.into_iter().flatten() {
                let at = format!("{method} {path} {status} link {name}");
                let Some(target) = link["operationId"].as_str().and_then(|id| by_id.get(id)) else {
                    problems.push(format!("{at}: no operation {}", link["operationId"]));
                    continue;
                };
                let params: HashSet<&str> = target["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| resolve(&doc, p)["name"].as_str())
                    .collect();
                for param in link["parameters"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|p| p.0)
                {
                    if !params.contains(param.as_str()) {
                        problems.push(format!("{at}: the target has no parameter {param}"));
                    }
                }
            }
        }
    }

    // What the contract names.
    let get = |path: &str, method: &str| doc["paths"][path][method].clone();
    let sign_up = get("/events/{id}/registrations", "post");
    let too_many = resolve(&doc, &sign_up["responses"]["429"]);
    assert!(
        too_many["headers"].get("Retry-After").is_some(),
        "{too_many}"
    );
    assert!(get("/events", "post")["security"]
        .to_string()
        .contains("bearer"));
    assert!(get("/networks", "get")["security"].is_null(), "public");
    for (path, types) in [
        ("/events/{id}/registrations.csv", &["text/csv"][..]),
        (
            "/events/{id}/registrations.xlsx",
            &["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"][..],
        ),
        (
            "/stats/participation",
            &[
                "application/json",
                "text/csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "image/svg+xml",
            ][..],
        ),
    ] {
        let content = &doc["paths"][path]["get"]["responses"]["200"]["content"];
        for t in types {
            assert!(content.get(*t).is_some(), "{path}: {t} in {content}");
        }
    }
    // Every error code of the contract is documented somewhere.
    let text = doc.to_string();
    for code in [
        "invalid_input",
        "unauthorized",
        "members_only",
        "admin_only",
        "not_found",
        "already_registered",
        "event_full",
        "registration_closed",
        "event_cancelled",
        "event_started",
        "slug_taken",
        "not_confirmed",
        "erased",
        "payload_too_large",
        "unsupported_media_type",
        "too_many_requests",
    ] {
        assert!(
            text.contains(&format!("\"{code}\"")),
            "{code} is not documented"
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------
// The router's routes, from its source.

/// The handlers of the API router, read from its source: each goes through `routes!(…)`,
/// which routes it at the path and method of its `#[utoipa::path]` and adds that to the
/// document, and nothing is routed around it. Anything this reader does not understand
/// fails, so the list cannot silently miss a route.
fn router_handlers() -> Vec<String> {
    let source = include_str!("../../src/http/api/mod.rs");
    let start = source
        .find("pub fn router()")
        .expect("the API router function");
    let body = &source[start..];
    let body = &body[..body.find("\n}\n").expect("the end of router()")];
    for around in [
        ".route(",
        ".nest(",
        ".merge(",
        ".route_service(",
        ".nest_service(",
        ".route_layer(",
    ] {
        assert!(
            !body.contains(around),
            "router() uses {around}: a route outside routes!(…) is not in the document"
        );
    }
    let mut handlers = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find("routes!(") {
        let call = &rest[i + "routes!(".len()..];
        let end = call.find(')').expect("the end of routes!(…)");
        for handler in call[..end]
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
        {
            assert!(
                handler
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
                "routes!(…) names {handler:?}: teach this test to read it"
            );
            assert!(
                !handlers.iter().any(|h| h == handler),
                "{handler} is routed twice"
            );
            handlers.push(handler.to_string());
        }
        rest = &call[end..];
    }
    assert!(
        handlers.len() >= 25,
        "only {} handlers read",
        handlers.len()
    );
    handlers
}

async fn check_routes(app: &TestApp) {
    let doc = document(app).await;
    let handlers = router_handlers();
    let routes: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    // Each handler's attribute documents one operation: as many operations as handlers
    // means none is missing and none is made up.
    assert_eq!(
        routes.len(),
        handlers.len(),
        "operations {routes:?} for the handlers {handlers:?}"
    );
    // And each documented route answers as routed (not the API's 404 fallback, not 405).
    for (method, path) in &routes {
        let concrete = path
            .replace("{id}", &uuid::Uuid::nil().to_string())
            .replace("{rid}", &uuid::Uuid::nil().to_string())
            .replace("{file}", "participation.csv")
            .replace("{slug}", "no-such-network")
            .replace("{email}", "nobody@example.org")
            .replace("{token}", "no-such-token");
        let method: Method = method.parse().unwrap();
        let res = app
            .client
            .request(method.clone(), app.url(&concrete))
            .send()
            .await
            .unwrap();
        assert_ne!(res.status(), 405, "{method} {concrete}");
    }
}

// ---------------------------------------------------------------------------------------
// Real answers against the document.

/// The document's operation for a concrete request path: the template that matches with
/// the most literal segments.
fn operation_for<'a>(doc: &'a Value, method: &Method, path: &str) -> (&'a str, &'a Value) {
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Option<(usize, &str, &Value)> = None;
    for (template, item) in doc["paths"].as_object().unwrap() {
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut literal = 0;
        let matches = parts.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') && t.ends_with('}') {
                !s.is_empty()
            } else {
                literal += 1;
                t == s
            }
        });
        let Some(op) = item.get(method.as_str().to_lowercase()) else {
            continue;
        };
        if matches && best.is_none_or(|(l, _, _)| literal > l) {
            best = Some((literal, template, op));
        }
    }
    let (_, template, op) =
        best.unwrap_or_else(|| panic!("{method} {path} is not in the OpenAPI description"));
    (template, op)
}

/// What a schema check collects: problems, and for each object in the answer (by its
/// location) the properties some schema declared, so undocumented fields show up as they
/// would under `unevaluatedProperties: false`.
#[derive(Default)]
struct Check {
    problems: Vec<String>,
    declared: HashMap<String, HashSet<String>>,
    open: HashSet<String>,
}

const KNOWN_KEYWORDS: [&str; 23] = [
    "$ref",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "enum",
    "format",
    "description",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "example",
    "examples",
    "title",
    "default",
];

/// The check itself finds what it should.
#[test]
fn the_schema_check_finds_mismatches() {
    let doc = json!({"components": {"schemas": {
        "Count": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 0}}},
        "Row": {"allOf": [
            {"$ref": "#/components/schemas/Count"},
            {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"},
                "kind": {"type": ["string", "null"], "enum": ["a", "b", null]},
                "at": {"type": "string", "format": "date-time"},
                "tags": {"type": "object", "additionalProperties": {"type": "string"}}
            }}
        ]}
    }}});
    let schema = json!({"type": "array", "items": {"$ref": "#/components/schemas/Row"}});
    let problems = |v: Value| {
        let mut c = Check::default();
        c.validate(&doc, &schema, &v, "");
        c.undeclared(&v, "");
        c.problems
    };
    let good = json!([{"n": 1, "name": "x", "kind": null, "at": "2026-01-01T10:00:00+01:00",
        "tags": {"any": "thing"}}]);
    assert_eq!(problems(good), Vec::<String>::new());
    for bad in [
        json!([{"n": 1, "name": "x", "extra": 1}]),
        json!([{"n": 1}]),
        json!([{"n": -1, "name": "x"}]),
        json!([{"n": 1, "name": 2}]),
        json!([{"n": 1, "name": "x", "kind": "c"}]),
        json!([{"n": 1, "name": "x", "at": "yesterday"}]),
        json!([{"n": 1, "name": "x", "tags": {"a": 1}}]),
        json!({"n": 1, "name": "x"}),
    ] {
        assert!(!problems(bad.clone()).is_empty(), "{bad} passed");
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

impl Check {
    fn validate(&mut self, doc: &Value, schema: &Value, v: &Value, at: &str) {
        let schema = resolve(doc, schema);
        let Some(map) = schema.as_object() else {
            if schema != &json!(true) {
                self.problems.push(format!("{at}: schema {schema}"));
            }
            return;
        };
        for k in map.keys() {
            if !KNOWN_KEYWORDS.contains(&k.as_str()) {
                self.problems
                    .push(format!("{at}: keyword {k} is not understood by this check"));
            }
        }
        if let Some(t) = map.get("type") {
            let ok = match t {
                Value::String(t) => type_matches(t, v),
                Value::Array(ts) => ts.iter().any(|t| type_matches(t.as_str().unwrap(), v)),
                _ => false,
            };
            if !ok {
                self.problems.push(format!("{at}: {v} is not of type {t}"));
                return;
            }
        }
        if let Some(values) = map.get("enum").and_then(Value::as_array) {
            if !values.contains(v) {
                self.problems
                    .push(format!("{at}: {v} is not one of {values:?}"));
            }
        }
        if let (Some(format), Some(s)) = (map.get("format").and_then(Value::as_str), v.as_str()) {
            let ok = match format {
                "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
                "date" => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
                "uuid" => uuid::Uuid::parse_str(s).is_ok(),
                "uri" => url::Url::parse(s).is_ok(),
                "email" => s.contains('@'),
                _ => true,
            };
            if !ok {
                self.problems.push(format!("{at}: {s:?} is not a {format}"));
            }
        }
        if let Some(n) = v.as_f64() {
            if map
                .get("minimum")
                .and_then(Value::as_f64)
                .is_some_and(|m| n < m)
                || map
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| n > m)
            {
                self.problems.push(format!("{at}: {n} out of range"));
            }
        }
        for branch in map
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.validate(doc, branch, v, at);
        }
        for (key, exactly_one) in [("oneOf", true), ("anyOf", false)] {
            if let Some(branches) = map.get(key).and_then(Value::as_array) {
                let passing: Vec<Check> = branches
                    .iter()
                    .map(|b| {
                        let mut c = Check::default();
                        c.validate(doc, b, v, at);
                        c
                    })
                    .filter(|c| c.problems.is_empty())
                    .collect();
                if passing.is_empty() || (exactly_one && passing.len() > 1) {
                    self.problems.push(format!(
                        "{at}: {} of the {key} branches match {v}",
                        passing.len()
                    ));
                } else if let Some(c) = passing.into_iter().next() {
                    for (loc, names) in c.declared {
                        self.declared.entry(loc).or_default().extend(names);
                    }
                    self.open.extend(c.open);
                }
            }
        }
        if let Some(object) = v.as_object() {
            if let Some(props) = map.get("properties").and_then(Value::as_object) {
                let declared = self.declared.entry(at.to_string()).or_default();
                declared.extend(props.keys().cloned());
                for (name, prop) in props {
                    if let Some(value) = object.get(name) {
                        self.validate(doc, prop, value, &format!("{at}/{name}"));
                    }
                }
            }
            if let Some(names) = map.get("propertyNames") {
                for name in object.keys() {
                    self.validate(doc, names, &json!(name), &format!("{at}/{name} (name)"));
                }
            }
            for name in map
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !object.contains_key(name.as_str().unwrap()) {
                    self.problems.push(format!("{at}: {name} is missing"));
                }
            }
            match map.get("additionalProperties") {
                Some(Value::Bool(false)) | None => {}
                Some(Value::Bool(true)) => {
                    self.open.insert(at.to_string());
                }
                Some(extra) => {
                    self.open.insert(at.to_string());
                    let props = map.get("properties").and_then(Value::as_object);
                    for (name, value) in object {
                        if props.is_none_or(|p| !p.contains_key(name)) {
                            self.validate(doc, extra, value, &format!("{at}/{name}"));
                        }
                    }
                }
            }
        }
        if let (Some(items), Some(array)) = (map.get("items"), v.as_array()) {
            for (i, item) in array.iter().enumerate() {
                self.validate(doc, items, item, &format!("{at}/{i}"));
            }
        }
    }

    /// Fields of objects that a schema described but that no schema declared.
    fn undeclared(&mut self, v: &Value, at: &str) {
        match v {
            Value::Object(object) => {
                if let Some(declared) = self.declared.get(at) {
                    if !self.open.contains(at) {
                        for name in object.keys() {
                            if !declared.contains(name) {
                                self.problems
                                    .push(format!("{at}: field {name} is not documented"));
                            }
                        }
                    }
                }
                for (name, child) in object {
                    self.undeclared(child, &format!("{at}/{name}"));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    self.undeclared(child, &format!("{at}/{i}"));
                }
            }
            _ => {}
        }
    }
}

/// A request whose answer is checked against the document; returns the status and body.
struct Call<'a> {
    app: &'a TestApp,
    doc: &'a Value,
    seen: BTreeSet<(String, String, u16)>,
}

impl Call<'_> {
    async fn send(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> (u16, Value, Vec<u8>) {
        let mut req = self.app.client.request(method.clone(), self.app.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some((content_type, bytes)) = body {
            req = req.header(header::CONTENT_TYPE, content_type).body(bytes);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap().to_vec();
        let bare_path = path.split('?').next().unwrap();
        let (template, op) = operation_for(self.doc, &method, bare_path);
        let name = format!("{method} {path} → {status}");
        let response = op["responses"]
            .get(status.to_string())
            .map(|r| resolve(self.doc, r))
            .unwrap_or_else(|| panic!("{name}: status not documented"));
        self.seen
            .insert((method.to_string(), template.to_string(), status));
        let content = response["content"].as_object();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        match content {
            None => assert!(bytes.is_empty(), "{name}: a body where none is documented"),
            Some(content) => {
                let media = headers
                    .get(header::CONTENT_TYPE)
                    .unwrap_or_else(|| panic!("{name}: no Content-Type"))
                    .to_str()
                    .unwrap()
                    .split(';')
                    .next()
                    .unwrap()
                    .trim()
                    .to_string();
                let documented = content
                    .get(&media)
                    .unwrap_or_else(|| panic!("{name}: Content-Type {media} not documented"));
                if media == "application/json" {
                    let mut check = Check::default();
                    check.validate(self.doc, &documented["schema"], &json, "");
                    check.undeclared(&json, "");
                    assert!(
                        check.problems.is_empty(),
                        "{name}: the answer does not match its schema:\n{}\n{json:#}",
                        check.problems.join("\n")
                    );
                }
            }
        }
        for (header_name, _) in response["headers"].as_object().into_iter().flatten() {
            // `Link: rel="next"` is documented as sent while there are more pages (the
            // paging tests walk it); every other documented header is always sent.
            if header_name == "link" {
                continue;
            }
            assert!(
                headers.contains_key(header_name.as_str()),
                "{name}: no {header_name} header"
            );
        }
        (status, json, bytes)
    }

    async fn json(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let body = body.map(|b| ("application/json", serde_json::to_vec(&b).unwrap()));
        let (status, json, _) = self.send(method, path, token, body).await;
        (status, json)
    }
}

async fn real_answers_match_the_document(engine: Engine) {
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    let doc = document(&app).await;
    let mut c = Call {
        app: &app,
        doc: &doc,
        seen: BTreeSet::new(),
    };
    let admin = Some(app.token.as_str());
    let plain = app.organiser_token("centre").await;
    let other = app.admin_token("elsewhere").await;
    use Method as M;

    // Networks and members.
    let (s, _) = c
        .json(
            M::POST,
            "/networks",
            admin,
            Some(json!({"slug": "demens", "name": "Demensnettverket", "description": "Fag"})),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = c
        .json(
            M::POST,
            "/networks",
            admin,
            Some(json!({"slug": "demens", "name": "Igjen"})),
        )
        .await;
    assert_eq!(s, 409);
    let (s, _) = c
        .json(M::POST, "/networks", admin, Some(json!({"slug": "X"})))
        .await;
    assert_eq!(s, 400);
    let (s, _) = c.json(M::POST, "/networks", None, Some(json!({}))).await;
    assert_eq!(s, 401);
    assert_eq!(c.json(M::GET, "/networks", None, None).await.0, 200);
    assert_eq!(c.json(M::GET, "/networks/demens", None, None).await.0, 200);
    assert_eq!(c.json(M::GET, "/networks/nothing", None, None).await.0, 404);
    let member = json!({"email": "kari@example.org", "name": "Kari", "municipality": "Horten"});
    let members = "/networks/demens/members";
    assert_eq!(
        c.json(M::POST, members, admin, Some(member.clone()))
            .await
            .0,
        201
    );
    assert_eq!(c.json(M::POST, members, admin, Some(member)).await.0, 200);
    let (s, _) = c
        .json(
            M::POST,
            members,
            admin,
            Some(json!({"email": "ola@example.org"})),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(c.json(M::GET, members, admin, None).await.0, 200);
    assert_eq!(c.json(M::GET, members, Some(&other), None).await.0, 404);
    let remove = "/networks/demens/members/ola@example.org";
    assert_eq!(c.json(M::DELETE, remove, admin, None).await.0, 204);
    assert_eq!(c.json(M::DELETE, remove, admin, None).await.0, 404);

    // An event with two sessions, one online, a seat and a waiting list.
    let start = chrono::Utc::now() + chrono::Duration::days(10);
    let at = |days: i64, hours: i64| {
        (start + chrono::Duration::days(days) + chrono::Duration::hours(hours)).to_rfc3339()
    };
    let body = json!({
        "network": "demens", "title": "Kurs i demensomsorg", "kind": "course",
        "description": "To samlinger", "audience": "Ansatte", "capacity": 1,
        "status": "published", "registration_closes_at": at(-1, 0),
        "sessions": [
            {"starts_at": at(0, 0), "ends_at": at(0, 6), "location": "Tønsberg"},
            {"starts_at": at(7, 0), "ends_at": at(7, 2), "online_url": "https://meet.example.org/x"}
        ]
    });
    let (s, event) = c.json(M::POST, "/events", admin, Some(body)).await;
    assert_eq!(s, 201, "{event}");
    let id = event["id"].as_str().unwrap().to_string();
    let draft = app.event(json!({"status": "draft"})).await;
    let (s, _) = c
        .json(
            M::POST,
            "/events",
            admin,
            Some(json!({"title": "", "kind": "nope"})),
        )
        .await;
    assert_eq!(s, 400);
    for token in [None, admin] {
        assert_eq!(c.json(M::GET, "/events", token, None).await.0, 200);
        assert_eq!(
            c.json(M::GET, &format!("/events/{id}"), token, None)
                .await
                .0,
            200
        );
    }
    let (s, _) = c
        .json(
            M::GET,
            "/events?network=demens&from=2020-01-01&to=2100-01-01T00:00:00Z&limit=10",
            None,
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(c.json(M::GET, "/events?limit=0", None, None).await.0, 400);
    assert_eq!(
        c.json(M::GET, "/events?limit=1&limit=2", None, None)
            .await
            .0,
        400
    );
    assert_eq!(c.json(M::GET, "/events", Some("wrong"), None).await.0, 401);
    assert_eq!(
        c.json(M::GET, &format!("/events/{draft}"), None, None)
            .await
            .0,
        404
    );
    assert_eq!(
        c.json(M::GET, "/events/not-a-uuid", None, None).await.0,
        404
    );
    assert_eq!(c.json(M::GET, "/events/%FF", None, None).await.0, 404);
    let (s, _) = c
        .json(
            M::PATCH,
            &format!("/events/{id}"),
            admin,
            Some(json!({"description": null, "waitlist": true})),
        )
        .await;
    assert_eq!(s, 200);
    // Every documented field of a change is taken.
    let change = &resolve(&doc, &doc["components"]["schemas"]["EventChange"])["properties"];
    let sessions = json!([
        {"id": event["sessions"][0]["id"], "starts_at": at(0, 0), "ends_at": at(0, 6),
            "location": "Tønsberg", "online_url": null},
        {"id": event["sessions"][1]["id"], "starts_at": at(7, 0), "ends_at": at(7, 2),
            "location": null, "online_url": "https://meet.example.org/x", "optional": true}
    ]);
    let full = json!({
        "network": "demens", "title": "Kurs i demensomsorg", "kind": "course",
        "description": "To samlinger", "audience": "Ansatte", "sessions": sessions,
        "capacity": 1, "waitlist": true, "registration_opens_at": null,
        "registration_closes_at": at(-1, 0), "members_only": false, "status": "published",
        "recording_url": null, "series": null, "completion": {"min_sessions": 1},
        "certificate": {"hours": 7.5, "text_nb": "Godkjent etterutdanning", "text_en": null}
    });
    let names = |v: &Value| {
        v.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        names(&full),
        names(change),
        "the change below sends every field"
    );
    let (s, changed) = c
        .json(M::PATCH, &format!("/events/{id}"), admin, Some(full))
        .await;
    assert_eq!(s, 200, "{changed}");
    let (s, _) = c
        .json(
            M::PATCH,
            &format!("/events/{id}"),
            Some(&other),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 404);

    // Sign-ups: a seat, the waiting list, a duplicate, a members-only refusal, bad input.
    let sign_up = format!("/events/{id}/registrations");
    let kari = json!({"name": "Kari", "email": "kari@example.org", "municipality": "Horten",
        "workplace": "Horten kommune", "role": "Helsepersonell", "share_contact": true, "language": "en"});
    let (s, first) = c.json(M::POST, &sign_up, None, Some(kari.clone())).await;
    assert_eq!(s, 201);
    let (s, second) = c
        .json(
            M::POST,
            &sign_up,
            None,
            Some(json!({"name": "Per", "email": "per@example.org"})),
        )
        .await;
    assert_eq!((s, second["status"].as_str()), (201, Some("waitlisted")));
    assert_eq!(c.json(M::POST, &sign_up, None, Some(kari)).await.0, 409);
    assert_eq!(
        c.json(M::POST, &sign_up, None, Some(json!({"email": "x"})))
            .await
            .0,
        400
    );
    let members_only = app
        .event(json!({"network": "demens", "members_only": true}))
        .await;
    let (s, _) = c
        .json(
            M::POST,
            &format!("/events/{members_only}/registrations"),
            None,
            Some(json!({"name": "Ola", "email": "ola@example.org"})),
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = c
        .json(
            M::POST,
            &format!("/events/{draft}/registrations"),
            None,
            Some(json!({"name": "Ola", "email": "ola@example.org"})),
        )
        .await;
    assert_eq!(s, 404, "a draft is not there for the public");
    let not_yet = app.event(json!({"registration_opens_at": at(-9, 0)})).await;
    let (s, _) = c
        .json(
            M::POST,
            &format!("/events/{not_yet}/registrations"),
            None,
            Some(json!({"name": "Ola", "email": "ola@example.org"})),
        )
        .await;
    assert_eq!(s, 409, "registration not yet open");
    let (s, _, _) = c
        .send(
            M::POST,
            &sign_up,
            None,
            Some(("text/plain", b"name=Ola".to_vec())),
        )
        .await;
    assert_eq!(s, 415);
    let (s, _, _) = c
        .send(
            M::POST,
            &sign_up,
            None,
            Some(("application/json", vec![b' '; 1024 * 1024 + 1])),
        )
        .await;
    assert_eq!(s, 413);
    let (s, _, _) = c
        .send(
            M::POST,
            &format!("/events/{id}/cancel"),
            admin,
            Some(("application/json", vec![b' '; 1024 * 1024 + 1])),
        )
        .await;
    assert_eq!(s, 413);

    // The organiser's lists, attendance, mails, downloads.
    assert_eq!(c.json(M::GET, &sign_up, admin, None).await.0, 200);
    let first_id = first["id"].as_str().unwrap();
    let second_id = second["id"].as_str().unwrap();
    let one = format!("/events/{id}/registrations/{first_id}/attendance");
    let (s, refused) = c
        .json(M::POST, &one, admin, Some(json!({"attended": true})))
        .await;
    assert_eq!(s, 409, "not before the session's day: {refused}");
    assert_eq!(refused["error"]["code"], "session_not_started");
    // For the attendance calls the sessions have taken place (the app's clock is three
    // weeks on); afterwards they are ahead again.
    let later = chrono::Duration::days(21);
    app.advance(later);
    assert_eq!(
        c.json(M::POST, &one, admin, Some(json!({"attended": true})))
            .await
            .0,
        200
    );
    assert_eq!(c.json(M::POST, &one, admin, Some(json!({}))).await.0, 400);
    let waiting = format!("/events/{id}/registrations/{second_id}/attendance");
    assert_eq!(
        c.json(M::POST, &waiting, admin, Some(json!({"attended": true})))
            .await
            .0,
        409
    );
    let many = format!("/events/{id}/attendance");
    let session = event["sessions"][1]["id"].as_str().unwrap();
    let (s, _) = c
        .json(
            M::POST,
            &many,
            admin,
            Some(json!({"registrations": [first_id], "attended": false, "session": session})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(c.json(M::GET, &many, admin, None).await.0, 200);
    app.advance(-later);
    assert_eq!(
        c.json(M::GET, &format!("/events/{id}/mails"), admin, None)
            .await
            .0,
        200
    );
    for (file, content_type) in [
        ("registrations.csv", "text/csv"),
        (
            "registrations.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ] {
        let path = format!("/events/{id}/{file}?status=confirmed&delimiter=comma");
        let (s, _, bytes) = c.send(M::GET, &path, admin, None).await;
        assert_eq!(s, 200);
        assert!(!bytes.is_empty(), "{content_type}");
        let (s, _, _) = c
            .send(
                M::GET,
                &format!("/events/{id}/{file}?status=nope"),
                admin,
                None,
            )
            .await;
        assert_eq!(s, 400);
    }

    // The organisation: municipalities, statistics, audit log.
    let csv = "name;population;region\nHorten;27000;Vestfold\nTønsberg;58000;Vestfold\n";
    let (s, _, _) = c
        .send(
            M::POST,
            "/municipalities/import",
            admin,
            Some(("text/csv", csv.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _, _) = c
        .send(
            M::POST,
            "/municipalities/import",
            admin,
            Some(("text/csv", b"x;y;z;\n;;\n".to_vec())),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _, _) = c
        .send(
            M::POST,
            "/municipalities/import",
            Some(&plain),
            Some(("text/csv", csv.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(c.json(M::GET, "/municipalities", admin, None).await.0, 200);
    let (s, roles) = c.json(M::GET, "/roles", admin, None).await;
    assert_eq!(s, 200);
    assert_eq!(c.json(M::PUT, "/roles", admin, Some(roles)).await.0, 200);
    assert_eq!(
        c.json(M::PUT, "/roles", admin, Some(json!([{"key": "x"}])))
            .await
            .0,
        400
    );
    for path in [
        "/stats/participation",
        "/stats/participation?by=role&format=csv",
        "/stats/participation?year=2026&format=csv&table=regions",
        "/stats/participation?format=xlsx",
        "/stats/participation?format=svg&kind=course",
        "/stats/participation.csv?delimiter=comma&table=events",
        "/stats/participation.json?from=2020-01-01&to=2100-12-31",
        "/stats/participation.xlsx",
        "/stats/participation.svg",
    ] {
        assert_eq!(c.send(M::GET, path, admin, None).await.0, 200, "{path}");
    }
    assert_eq!(
        c.json(M::GET, "/stats/participation?year=1", admin, None)
            .await
            .0,
        400
    );
    assert_eq!(
        c.json(M::GET, "/stats/participation?network=nope", admin, None)
            .await
            .0,
        404
    );
    assert_eq!(c.json(M::GET, "/stats/other.csv", admin, None).await.0, 404);
    assert_eq!(c.json(M::GET, "/audit?limit=5", admin, None).await.0, 200);
    assert_eq!(c.json(M::GET, "/audit?limit=0", admin, None).await.0, 400);
    assert_eq!(c.json(M::GET, "/audit", Some(&plain), None).await.0, 403);

    // An evaluation: set, read, removed and set again; answered once the event has ended;
    // results while open and once closed, as JSON and files; a comment deleted.
    let start = app.now() + chrono::Duration::hours(1);
    let (s, evaluated) = c
        .json(
            M::POST,
            "/events",
            admin,
            Some(
                json!({"title": "Evaluert samling", "kind": "gathering", "capacity": 10, "status": "published",
                "sessions": [{"starts_at": start.to_rfc3339(),
                    "ends_at": (start + chrono::Duration::hours(1)).to_rfc3339()}]}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{evaluated}");
    let evaluated = evaluated["id"].as_str().unwrap().to_string();
    let evaluation = format!("/events/{evaluated}/evaluation");
    let mut answerers = Vec::new();
    for i in 0..3 {
        let (s, signup) = c
            .json(
                M::POST,
                &format!("/events/{evaluated}/registrations"),
                None,
                Some(json!({"name": format!("Svarer {i}"), "email": format!("svarer{i}@example.no")})),
            )
            .await;
        assert_eq!(s, 201);
        answerers.push(app.token_of(&signup));
    }
    let settings = json!({"preset": "standard", "questions": [{"key": "tema", "type": "choice",
        "text_nb": "Tema?", "options": [{"key": "ja", "label_nb": "Ja"}, {"key": "nei", "label_nb": "Nei"}]}]});
    assert_eq!(c.json(M::GET, &evaluation, admin, None).await.0, 404);
    assert_eq!(
        c.json(M::PUT, &evaluation, admin, Some(json!({"preset": "x"})))
            .await
            .0,
        400
    );
    assert_eq!(
        c.json(M::PUT, &evaluation, admin, Some(settings.clone()))
            .await
            .0,
        200
    );
    assert_eq!(c.json(M::GET, &evaluation, admin, None).await.0, 200);
    assert_eq!(c.json(M::DELETE, &evaluation, admin, None).await.0, 204);
    assert_eq!(
        c.json(M::PUT, &evaluation, admin, Some(settings.clone()))
            .await
            .0,
        200
    );
    let mine_answer = |t: &str| format!("/registrations/{t}/evaluation");
    let answers = json!({"answers": {"relevans": 6, "kvalitet": 5, "erfaringsdeling": 7,
        "organisering": 4, "tema": "ja", "kommentar": "Nyttig"}});
    let (s, body) = c
        .json(
            M::POST,
            &mine_answer(&answerers[0]),
            None,
            Some(answers.clone()),
        )
        .await;
    assert_eq!(s, 409, "{body}");
    let ended = chrono::Duration::hours(3);
    app.advance(ended);
    app.tick().await;
    for t in &answerers {
        assert_eq!(
            c.json(M::POST, &mine_answer(t), None, Some(answers.clone()))
                .await
                .0,
            201
        );
    }
    assert_eq!(
        c.json(
            M::POST,
            &mine_answer(&answerers[0]),
            None,
            Some(answers.clone())
        )
        .await
        .0,
        409
    );
    assert_eq!(
        c.json(
            M::POST,
            &mine_answer("nonsense"),
            None,
            Some(answers.clone())
        )
        .await
        .0,
        404
    );
    assert_eq!(
        c.json(M::POST, &mine_answer(&answerers[0]), None, Some(json!({})))
            .await
            .0,
        400
    );
    assert_eq!(
        c.json(M::PUT, &evaluation, admin, Some(json!({"preset": "grad"})))
            .await
            .0,
        409
    );
    assert_eq!(c.json(M::DELETE, &evaluation, admin, None).await.0, 409);
    let results = format!("{evaluation}/results");
    assert_eq!(c.json(M::GET, &results, admin, None).await.0, 200);
    let closed = chrono::Duration::days(15);
    app.advance(closed);
    let (s, full) = c
        .json(M::GET, &format!("{results}?at_least=6"), admin, None)
        .await;
    assert_eq!(s, 200);
    for path in [
        format!("{results}?format=csv"),
        format!("{results}?format=xlsx"),
    ] {
        assert_eq!(c.send(M::GET, &path, admin, None).await.0, 200, "{path}");
    }
    assert_eq!(
        c.json(M::GET, &format!("{results}?at_least=x"), admin, None)
            .await
            .0,
        400
    );
    let comment = full["comments"][0]["id"].as_str().unwrap().to_string();
    let comment_path = format!("{evaluation}/comments/{comment}");
    assert_eq!(c.json(M::DELETE, &comment_path, admin, None).await.0, 204);
    assert_eq!(c.json(M::DELETE, &comment_path, admin, None).await.0, 404);
    for path in [
        "/stats/evaluations",
        "/stats/evaluations?year=2026&at_least=5",
        "/stats/evaluations?format=csv",
        "/stats/evaluations?format=xlsx",
    ] {
        assert_eq!(c.send(M::GET, path, admin, None).await.0, 200, "{path}");
    }
    assert_eq!(
        c.json(M::GET, "/stats/evaluations?format=svg", admin, None)
            .await
            .0,
        400
    );
    assert_eq!(c.json(M::GET, &evaluation, Some(&other), None).await.0, 404);

    // Programmes: a series, who has completed the event, and the events held.
    let series = json!({"slug": "faglunsj", "name": "Faglunsj"});
    assert_eq!(
        c.json(M::POST, "/series", admin, Some(series.clone()))
            .await
            .0,
        201
    );
    assert_eq!(c.json(M::POST, "/series", admin, Some(series)).await.0, 409);
    assert_eq!(c.json(M::GET, "/series", admin, None).await.0, 200);
    let completions = format!("/events/{id}/completions");
    assert_eq!(c.json(M::GET, &completions, admin, None).await.0, 200);
    assert_eq!(
        c.json(M::GET, &completions, Some(&other), None).await.0,
        404
    );
    for path in [
        "/stats/events",
        "/stats/events?year=2026&series=faglunsj&kind=gathering",
        "/stats/events?format=csv",
        "/stats/events?format=xlsx",
    ] {
        assert_eq!(c.send(M::GET, path, admin, None).await.0, 200, "{path}");
    }
    assert_eq!(
        c.json(M::GET, "/stats/events?series=nope", admin, None)
            .await
            .0,
        404
    );
    assert_eq!(
        c.json(M::GET, "/stats/events?year=x", admin, None).await.0,
        400
    );
    assert_eq!(
        c.json(
            M::GET,
            "/stats/networks?year=2026&as_of=2026-06-30",
            admin,
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        c.json(M::GET, "/stats/networks?as_of=soon", admin, None)
            .await
            .0,
        400
    );
    // Certificates: issued after the event (whoever completed), the register, its counts,
    // revoking and reissuing, and the import of earlier ones.
    let (s, early) = c
        .json(M::POST, &format!("/events/{id}/certificates"), admin, None)
        .await;
    assert_eq!(
        (s, early["error"]["code"].as_str()),
        (409, Some("not_ended"))
    );
    let (s, _) = c
        .json(
            M::PATCH,
            &format!("/events/{evaluated}"),
            admin,
            Some(json!({"certificate": {"hours": 3}})),
        )
        .await;
    assert_eq!(s, 200);
    let issue = format!("/events/{evaluated}/certificates");
    let (s, issued) = c.json(M::POST, &issue, admin, None).await;
    assert!(s == 200 || s == 201, "{s} {issued}");
    assert_eq!(c.json(M::POST, &issue, admin, None).await.0, 200);
    assert_eq!(c.json(M::POST, &issue, Some(&other), None).await.0, 404);
    for path in [
        "/certificates",
        "/certificates?year=2026&series=faglunsj",
        "/stats/certificates",
        "/stats/certificates?as_of=2030-01-01&series=faglunsj",
    ] {
        assert_eq!(c.json(M::GET, path, admin, None).await.0, 200, "{path}");
    }
    assert_eq!(
        c.json(M::GET, "/certificates?year=x", admin, None).await.0,
        400
    );
    assert_eq!(
        c.json(M::GET, "/stats/certificates?as_of=x", admin, None)
            .await
            .0,
        400
    );
    let (s, report, _) = c
        .send(
            M::POST,
            "/certificates/import",
            admin,
            Some((
                "text/csv",
                "Kari Nordmann;HLR-instruktør;2019-05-31;Horten;faglunsj\n"
                    .as_bytes()
                    .to_vec(),
            )),
        )
        .await;
    assert_eq!(s, 200, "{report:?}");
    let (s, _, _) = c
        .send(
            M::POST,
            "/certificates/import",
            admin,
            Some(("text/csv", b"x;y\n".to_vec())),
        )
        .await;
    assert_eq!(s, 400);
    let (_, register) = c.json(M::GET, "/certificates?year=2019", admin, None).await;
    let number = register[0]["number"].as_str().unwrap().to_string();
    let (s, new) = c
        .json(
            M::POST,
            &format!("/certificates/{number}/reissue"),
            admin,
            Some(json!({"name": "Kari Nordkvinne"})),
        )
        .await;
    assert_eq!(s, 201, "{new}");
    assert_eq!(
        c.json(
            M::POST,
            &format!("/certificates/{number}/reissue"),
            admin,
            Some(json!({"name": "Kari"}))
        )
        .await
        .0,
        409
    );
    assert_eq!(
        c.json(
            M::POST,
            "/certificates/NOPE-1/reissue",
            admin,
            Some(json!({"name": ""}))
        )
        .await
        .0,
        400
    );
    let revoke = format!("/certificates/{}/revoke", new["number"].as_str().unwrap());
    assert_eq!(c.json(M::POST, &revoke, admin, None).await.0, 200);
    assert_eq!(
        c.json(M::POST, "/certificates/NOPE-1/revoke", admin, None)
            .await
            .0,
        404
    );
    app.advance(-(ended + closed));

    // The participant's own endpoints, with the token from the mail.
    let token = app.manage_token(&first).await;
    let mine = |what: &str| format!("/registrations/{token}/{what}");
    assert_eq!(c.json(M::GET, &mine("data"), None, None).await.0, 200);
    assert_eq!(c.json(M::POST, &mine("feed-link"), None, None).await.0, 202);
    // Nothing held: confirming changes nothing, and says so.
    let (s, confirmed) = c.json(M::POST, &mine("confirm"), None, None).await;
    assert_eq!((s, &confirmed["changed"]), (200, &json!(false)));
    let (s, shared) = c
        .json(
            M::POST,
            &mine("share-contact"),
            None,
            Some(json!({"share": true})),
        )
        .await;
    assert_eq!((s, shared), (200, json!({"share_contact": true})));
    assert_eq!(
        c.json(M::POST, &mine("share-contact"), None, Some(json!({})))
            .await
            .0,
        400
    );
    assert_eq!(c.json(M::POST, &mine("cancel"), None, None).await.0, 200);
    assert_eq!(c.json(M::POST, &mine("cancel"), None, None).await.0, 200);
    assert_eq!(c.json(M::POST, &mine("erase"), None, None).await.0, 200);
    assert_eq!(c.json(M::GET, &mine("data"), None, None).await.0, 410);
    assert_eq!(c.json(M::POST, &mine("erase"), None, None).await.0, 410);
    for what in ["data", "cancel", "confirm", "feed-link", "erase"] {
        let method = if what == "data" { M::GET } else { M::POST };
        let path = format!("/registrations/nonsense/{what}");
        assert_eq!(c.json(method, &path, None, None).await.0, 404);
    }
    let share = Some(json!({"share": false}));
    assert_eq!(
        c.json(M::POST, &mine("share-contact"), None, share.clone())
            .await
            .0,
        410
    );
    let nonsense = "/registrations/nonsense/share-contact";
    assert_eq!(c.json(M::POST, nonsense, None, share).await.0, 404);

    // Cancelling the event; a cancelled event takes no change and no sign-up.
    let cancel = format!("/events/{id}/cancel");
    let (s, _, _) = c.send(M::POST, &cancel, admin, None).await;
    assert_eq!(s, 200);
    let (s, _) = c
        .json(M::POST, &cancel, admin, Some(json!({"reason": "Snø"})))
        .await;
    assert_eq!(s, 200);
    let (s, _) = c
        .json(M::POST, &cancel, admin, Some(json!({"why": "x"})))
        .await;
    assert_eq!(s, 400);
    let (s, _) = c
        .json(
            M::PATCH,
            &format!("/events/{id}"),
            admin,
            Some(json!({"title": "Ny"})),
        )
        .await;
    assert_eq!(s, 409);
    let (s, _) = c
        .json(
            M::POST,
            &sign_up,
            None,
            Some(json!({"name": "Ola", "email": "ola@example.org"})),
        )
        .await;
    assert_eq!(s, 409);

    // Every operation was called at least once with a success.
    let succeeded: BTreeSet<(String, String)> = c
        .seen
        .iter()
        .filter(|(_, _, s)| (200..300).contains(s))
        .map(|(m, p, _)| (m.clone(), p.clone()))
        .collect();
    let untested: Vec<_> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .filter(|op| !succeeded.contains(op) && op.1 != "/openapi.json")
        .collect();
    assert!(untested.is_empty(), "never answered 2xx here: {untested:?}");
}

// ---------------------------------------------------------------------------------------
// schemathesis.

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// `scripts/schemathesis`, installed; `None` (test skipped, said aloud) when it cannot be
/// installed outside CI. In CI that fails the test.
fn schemathesis() -> Option<PathBuf> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/schemathesis");
    let result = Command::new(&script)
        .arg("--install-only")
        .stdin(Stdio::null())
        .output();
    match result {
        Ok(out) if out.status.success() => Some(script),
        failed => {
            let why = match failed {
                Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            if in_ci() {
                panic!("schemathesis is required in CI but could not be installed: {why}");
            }
            eprintln!("SKIPPED: schemathesis could not be installed ({why})");
            crate::helpers::record_skip("schemathesis", "schemathesis could not be installed");
            None
        }
    }
}

/// Upper bound for one run; the runs here take a fraction of it.
const SCHEMATHESIS_DEADLINE: Duration = Duration::from_secs(150);

async fn schemathesis_finds_nothing(engine: Engine) {
    let Some(script) = tokio::task::spawn_blocking(schemathesis).await.unwrap() else {
        return;
    };
    let Some(app) = TestApp::spawn(engine, None).await else {
        return;
    };
    // Something to list and to link to.
    let (s, _) = app
        .post(
            "/networks",
            json!({"slug": "demensnettverket", "name": "Demensnettverket"}),
        )
        .await;
    assert_eq!(s, 201);
    let event = app
        .event(json!({"network": "demensnettverket", "capacity": 3}))
        .await;
    assert_eq!(app.sign_up(&event, "Kari", "kari@example.org").await.0, 201);

    let dir = tempfile::tempdir().unwrap();
    let base = app.url("");
    // A failure prints its seed; SAMLING_SCHEMATHESIS_SEED replays it, and
    // SAMLING_SCHEMATHESIS_EXAMPLES digs deeper than the default 20 cases per operation.
    let seed = std::env::var("SAMLING_SCHEMATHESIS_SEED").ok();
    let examples =
        std::env::var("SAMLING_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "20".to_string());
    let mut args: Vec<String> = [
        "run",
        &format!("{base}/openapi.json"),
        "--url",
        &base,
        "--header",
        &format!("Authorization: Bearer {}", app.token),
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance,\
         response_headers_conformance,response_schema_conformance",
        "--max-examples",
        &examples,
        "--workers",
        "2",
        "--request-timeout",
        "20",
        "--generation-database",
        "none",
        "--no-color",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(seed) = seed {
        args.extend(["--seed".to_string(), seed]);
    }
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(script)
            .args(&args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("schemathesis starts");
        // Drain the pipes while waiting, so a long report cannot block the child.
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let out = std::thread::spawn(move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut stdout, &mut s).ok();
            s
        });
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut s).ok();
            s
        });
        let deadline = Instant::now() + SCHEMATHESIS_DEADLINE;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            if Instant::now() > deadline {
                child.kill().ok();
                child.wait().ok();
                break None;
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        (status, out.join().unwrap(), err.join().unwrap())
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();
    let (status, stdout, stderr) = output;
    let report = format!("{stdout}\n{stderr}");
    let status = status.unwrap_or_else(|| {
        panic!(
            "schemathesis on {engine:?} took over {} s:\n{report}",
            SCHEMATHESIS_DEADLINE.as_secs()
        )
    });
    assert!(
        status.success(),
        "schemathesis on {engine:?} found problems ({status}):\n{report}"
    );
    let summary: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("generated") || l.contains("passed") || l.starts_with("Seed"))
        .collect();
    if std::env::var("SAMLING_SCHEMATHESIS_REPORT").is_ok() {
        eprintln!("{report}");
    }
    eprintln!(
        "schemathesis on {engine:?}: passed in {:.1} s\n{}",
        elapsed.as_secs_f64(),
        summary.join("\n")
    );
}
