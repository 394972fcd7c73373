//! The labeling page: a local web server on 127.0.0.1 with one
//! self-contained page (no external assets) and a small JSON API.
//!
//! `GET /` is the page; `GET /api/state` the statement to label and the
//! progress; `POST /api/label` (`{"key", "stance", "sentiment"}`),
//! `/api/skip` (`{"key"}`) and `/api/undo` act and answer with the new
//! state. Requests are served one at a time, and a label is on disk
//! before its answer is sent. Offsets in the answers are in UTF-16 code
//! units, as the page's JavaScript counts.

use std::net::SocketAddr;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::label::{Item, Session};
use crate::labels::{Label, Sentiment, Stance};

const PAGE: &str = include_str!("page.html");

/// A bound server, not yet serving.
pub struct LabelServer {
    server: tiny_http::Server,
}

impl LabelServer {
    /// Binds 127.0.0.1:`port` (0 picks a free port).
    pub fn bind(port: u16) -> Result<LabelServer> {
        let server = tiny_http::Server::http(("127.0.0.1", port))
            .map_err(|e| Error::Settings(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
        Ok(LabelServer { server })
    }

    /// The address it listens on.
    pub fn address(&self) -> Option<SocketAddr> {
        self.server.server_addr().to_ip()
    }

    /// Serves `session` until the process ends, or until `stop` says so
    /// (checked between requests, at least every half second).
    pub fn serve(&self, session: &mut Session, stop: &dyn Fn() -> bool) -> Result<()> {
        while !stop() {
            let mut request = match self.server.recv_timeout(std::time::Duration::from_millis(500)) {
                Ok(Some(request)) => request,
                Ok(None) => continue,
                Err(e) => return Err(Error::Settings(format!("the label server failed: {e}"))),
            };
            let mut body = String::new();
            let read = request.as_reader().read_to_string(&mut body);
            let method = request.method().as_str().to_string();
            let (status, body, content_type) = match read {
                Ok(_) => respond(session, &method, request.url(), &body),
                Err(e) => (
                    400,
                    json!({"error": format!("reading the request: {e}")}).to_string(),
                    "application/json",
                ),
            };
            let response = tiny_http::Response::from_string(body)
                .with_status_code(status)
                .with_header(
                    tiny_http::Header::from_bytes(&b"Content-Type"[..], content_type.as_bytes())
                        .expect("a valid header"),
                );
            // A page that went away is not an error of the server.
            let _ = request.respond(response);
        }
        Ok(())
    }
}

/// A label as the page posts it.
#[derive(Deserialize)]
struct Posted {
    key: Option<usize>,
    stance: Option<String>,
    sentiment: Option<String>,
}

/// The status, body and content type answering `method` on `path` with
/// `body`.
fn respond(session: &mut Session, method: &str, path: &str, body: &str) -> (u16, String, &'static str) {
    if method == "GET" && path == "/" {
        return (200, PAGE.to_string(), "text/html; charset=utf-8");
    }
    let result = match (method, path) {
        ("GET", "/api/state") => Ok(()),
        ("POST", "/api/label" | "/api/skip" | "/api/undo") => act(session, path, body),
        _ => return (404, json!({"error": "not found"}).to_string(), "application/json"),
    };
    match result {
        Ok(()) => (200, state(session).to_string(), "application/json"),
        Err(e) => (400, json!({"error": e.to_string()}).to_string(), "application/json"),
    }
}

/// Applies a POSTed action.
fn act(session: &mut Session, path: &str, body: &str) -> Result<()> {
    let posted: Posted = serde_json::from_str(if body.trim().is_empty() { "{}" } else { body })
        .map_err(|e| Error::Settings(format!("a malformed request: {e}")))?;
    let key = || {
        posted
            .key
            .ok_or_else(|| Error::Settings("the request names no statement".into()))
    };
    match path {
        "/api/undo" => session.undo(),
        "/api/skip" => session.skip(key()?),
        _ => {
            let stance = posted
                .stance
                .as_deref()
                .and_then(Stance::parse)
                .ok_or_else(|| Error::Settings("the request has no valid stance".into()))?;
            let sentiment = match posted.sentiment.as_deref() {
                None => None,
                Some(s) => Some(Sentiment::parse(s).ok_or_else(|| Error::Settings(format!("no sentiment \"{s}\"")))?),
            };
            session.label(key()?, stance, sentiment)
        }
    }
}

/// The current statement (offsets in UTF-16 units) and the progress.
fn state(session: &mut Session) -> Value {
    let item = session.current().map(|item| page_item(&item));
    json!({"item": item, "progress": session.progress()})
}

fn page_item(item: &Item) -> Value {
    let utf16 = |byte: usize| item.text[..byte.min(item.text.len())].encode_utf16().count();
    let mut value = serde_json::to_value(item).unwrap_or(Value::Null);
    value["mentions"] = json!(
        item.mentions
            .iter()
            .map(|&(a, b)| (utf16(a), utf16(b)))
            .collect::<Vec<_>>()
    );
    if let Some(evidence) = value["predicted"]["evidence"].as_array_mut() {
        for (e, original) in evidence.iter_mut().zip(&item.predicted.evidence) {
            e["start"] = json!(utf16(original.start));
            e["end"] = json!(utf16(original.end));
        }
    }
    value
}
