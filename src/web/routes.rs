//! The HTTP side of the console: pages, the JSON API and the event stream.
//!
//! - `GET /`, `/room`, `/facilitator`: the pages (compiled in);
//! - `GET /api/state`: what the screens show (JSON);
//! - `POST /api/command` with `{"line": "approve R3"}`: one command of the terminal's
//!   language; 200 with the reply, or 4xx with `{"error", "hint", "col"}` and nothing changed;
//! - `POST /api/timeline` with `{"inject": 2, "action": "hold"}`: the scripted timeline;
//! - `POST /api/run` with `{"rate": 60}` (simulated minutes per real minute; 0 pauses): time
//!   runs by itself, a step about every 5 s, until paused, a request waits or the end;
//! - `GET /api/map`: the room map's base (SVG), drawn once; `/api/state` carries its overlay;
//! - `GET /api/events`: server-sent events, `version` with the new number after every change.
//!
//! With a join code, every request must carry it (`?code=` or the `x-join-code` header); a page
//! without it asks for it.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::watch;

use super::state::{AfterEach, Answer, Console, MAX_RATE, Refusal, pace};
use super::{Options, WebError};
use muster::tabletop::Session;
use muster::tabletop::timeline::Action;

/// Longest command line accepted (bytes): far longer than any command, short enough to refuse
/// a pasted file.
const MAX_LINE: usize = 2_000;

#[derive(Clone)]
struct App {
    console: Arc<Console>,
    join_code: Option<Arc<str>>,
    /// Set when the server is stopping: event streams end so that it can.
    closing: watch::Receiver<bool>,
}

fn refuse(status: StatusCode, error: &str, hint: Option<&str>) -> Response {
    let body =
        Refusal { status: status.as_u16(), error: error.into(), hint: hint.map(str::to_string), col: None };
    (status, Json(body)).into_response()
}

/// Every request carries the join code when there is one.
async fn check_code(State(app): State<App>, request: Request, next: Next) -> Response {
    let Some(code) = &app.join_code else { return next.run(request).await };
    let from_query = request.uri().query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "code")
            .map(|(_, v)| v.to_string())
    });
    let from_header = request.headers().get("x-join-code").and_then(|v| v.to_str().ok()).map(str::to_string);
    if from_query.as_deref() == Some(&**code) || from_header.as_deref() == Some(&**code) {
        return next.run(request).await;
    }
    if request.uri().path().starts_with("/api/") {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "this console asks for its join code",
            Some("send it as ?code=CODE or the x-join-code header; the facilitator has it"),
        );
    }
    (StatusCode::UNAUTHORIZED, Html(include_str!("assets/join.html"))).into_response()
}

fn page(body: &'static str) -> Response {
    let mut r = Html(body).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn index() -> Response {
    page(include_str!("assets/index.html"))
}

async fn room() -> Response {
    page(include_str!("assets/room.html"))
}

async fn facilitator() -> Response {
    page(include_str!("assets/facilitator.html"))
}

async fn seat(State(app): State<App>, Path(id): Path<String>) -> Response {
    if app.console.seat(&id).is_none() {
        return refuse(
            StatusCode::NOT_FOUND,
            &format!("there is no seat '{id}'"),
            Some("the seats are listed at /"),
        );
    }
    page(include_str!("assets/seat.html"))
}

/// The debrief so far, as a page (`/debrief`) or its Markdown (`/debrief.md`), each to keep.
async fn debrief(State(app): State<App>, uri: axum::http::Uri) -> Response {
    let console = Arc::clone(&app.console);
    let markdown = uri.path().ends_with(".md");
    match tokio::task::spawn_blocking(move || console.debrief()).await {
        Ok(Some((md, html))) => {
            let (body, kind, name) = if markdown {
                (md, "text/markdown; charset=utf-8", "debrief.md")
            } else {
                (html, "text/html; charset=utf-8", "debrief.html")
            };
            let disposition =
                if markdown { format!("attachment; filename=\"{name}\"") } else { "inline".into() };
            let mut r = ([(header::CONTENT_TYPE, kind)], body).into_response();
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            r
        }
        Ok(None) => refuse(StatusCode::SERVICE_UNAVAILABLE, "the session has ended", None),
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "the debrief failed inside the engine", None),
    }
}

async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("assets/console.js"))
        .into_response()
}

async fn forms() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("assets/forms.js"))
        .into_response()
}

async fn map(State(app): State<App>) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], app.console.base_map.clone()).into_response()
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("assets/console.css")).into_response()
}

async fn not_found() -> Response {
    refuse(StatusCode::NOT_FOUND, "no such page", Some("the screens are /room and /facilitator"))
}

async fn state(State(app): State<App>) -> Response {
    let console = Arc::clone(&app.console);
    match tokio::task::spawn_blocking(move || console.snapshot()).await {
        Ok(Some(s)) => Json(s).into_response(),
        Ok(None) => refuse(StatusCode::SERVICE_UNAVAILABLE, "the session has ended", None),
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "the state could not be read", None),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandBody {
    line: String,
    /// The seat giving it (the facilitator when absent).
    seat: Option<String>,
    /// Why, in a line: kept in the log beside the command.
    rationale: Option<String>,
}

async fn command(
    State(app): State<App>,
    body: Result<Json<CommandBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (line, seat, rationale) = match body {
        Ok(Json(b)) => (b.line, b.seat, b.rationale),
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format!("the request is not a command: {}", e.body_text()),
                Some(r#"send JSON {"line": "step 30m"} with content-type application/json"#),
            );
        }
    };
    if line.len() > MAX_LINE
        || line.contains('\n')
        || rationale.as_ref().is_some_and(|r| r.len() > MAX_LINE || r.contains('\n'))
    {
        return refuse(
            StatusCode::BAD_REQUEST,
            &format!("a command is one line of at most {MAX_LINE} bytes"),
            Some("send one command at a time"),
        );
    }
    let console = Arc::clone(&app.console);
    // Commands run the engine (an `until end` can take seconds): off the async workers.
    answered(
        tokio::task::spawn_blocking(move || console.execute(&line, seat.as_deref(), rationale.as_deref()))
            .await,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimelineBody {
    /// Entry of the timeline (1-based, as the facilitator's screen numbers them).
    inject: usize,
    /// release, hold, resume or skip.
    action: String,
}

async fn timeline(
    State(app): State<App>,
    body: Result<Json<TimelineBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let hint = r#"send JSON {"inject": 1, "action": "release"} (release, hold, resume or skip)"#;
    let (index, action) = match body {
        Ok(Json(b)) => match (b.inject.checked_sub(1), Action::parse(&b.action)) {
            (Some(i), Some(a)) => (i, a),
            (None, _) => return refuse(StatusCode::BAD_REQUEST, "injects are numbered from 1", Some(hint)),
            (_, None) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    &format!("'{}' is not a timeline action", b.action),
                    Some(hint),
                );
            }
        },
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format!("the request is not a timeline action: {}", e.body_text()),
                Some(hint),
            );
        }
    };
    let console = Arc::clone(&app.console);
    answered(tokio::task::spawn_blocking(move || console.timeline(index, action)).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunBody {
    /// Simulated minutes per real minute; 0 pauses.
    rate: u32,
}

async fn run_rate(
    State(app): State<App>,
    body: Result<Json<RunBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let hint = format!(
        r#"send JSON {{"rate": 60}} for an hour a minute (1 to {MAX_RATE}), or {{"rate": 0}} to pause"#
    );
    let rate = match body {
        Ok(Json(RunBody { rate: 0 })) => None,
        Ok(Json(RunBody { rate })) if rate <= MAX_RATE => Some(rate),
        Ok(Json(RunBody { rate })) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format!("{rate} simulated minutes a minute is faster than the console runs"),
                Some(&hint),
            );
        }
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format!("the request is not a run rate: {}", e.body_text()),
                Some(&hint),
            );
        }
    };
    let console = Arc::clone(&app.console);
    answered(tokio::task::spawn_blocking(move || console.set_rate(rate)).await)
}

/// Moves time while the facilitator lets it run: a step at the pace of the rate, each run off
/// the async workers like any command, until paused or the server stops.
async fn keep_running(console: Arc<Console>, mut closing: watch::Receiver<bool>) {
    let mut rates = console.rate.subscribe();
    loop {
        let rate = *rates.borrow_and_update();
        let wait = async {
            match rate {
                Some(r) => tokio::time::sleep(std::time::Duration::from_millis(pace(r).1)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = wait => {
                let Some(r) = rate else { continue };
                let c = Arc::clone(&console);
                if tokio::task::spawn_blocking(move || c.run_step(r)).await.is_err() {
                    return;
                }
            }
            changed = rates.changed() => if changed.is_err() { return },
            _ = closing.changed() => return,
        }
    }
}

/// The answer to a command or a timeline action that ran off the async workers.
fn answered(done: Result<Result<Answer, Refusal>, tokio::task::JoinError>) -> Response {
    match done {
        Ok(Ok(answer)) => Json(answer).into_response(),
        Ok(Err(refusal)) => {
            let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            (status, Json(refusal)).into_response()
        }
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "the command failed inside the engine", None),
    }
}

/// The version now, then after every change, until the server stops.
async fn events(State(app): State<App>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let changes = app.console.changes.subscribe();
    let stream = futures_util::stream::unfold(
        (changes, app.closing.clone(), true),
        |(mut changes, mut closing, first)| async move {
            if *closing.borrow() {
                return None;
            }
            if !first {
                tokio::select! {
                    changed = changes.changed() => changed.ok()?,
                    _ = closing.changed() => return None,
                }
            }
            let version = *changes.borrow_and_update();
            let event = Event::default().event("version").data(version.to_string());
            Some((Ok(event), (changes, closing, false)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Serve until the session is ended or the process is interrupted.
pub async fn run(session: Session, after_each: AfterEach, options: Options) -> Result<Session, WebError> {
    let seats: Vec<(String, String)> =
        options.exercise.seats.iter().map(|s| (s.id.clone(), s.name.clone())).collect();
    let console = Arc::new(Console::new(session, after_each, options.title, options.exercise));
    let (close, closing) = watch::channel(false);
    // The addresses printed carry the code, for the facilitator to hand out.
    let code = options.join_code.as_ref().map_or(String::new(), |c| format!("?code={c}"));
    tokio::spawn(keep_running(Arc::clone(&console), closing.clone()));
    let app = App { console: Arc::clone(&console), join_code: options.join_code.map(Arc::from), closing };
    let router = Router::new()
        .route("/", get(index))
        .route("/room", get(room))
        .route("/facilitator", get(facilitator))
        .route("/seat/{id}", get(seat))
        .route("/debrief", get(debrief))
        .route("/debrief.md", get(debrief))
        .route("/assets/console.js", get(script))
        .route("/assets/forms.js", get(forms))
        .route("/api/map", get(map))
        .route("/api/run", post(run_rate))
        .route("/assets/console.css", get(style))
        .route("/api/state", get(state))
        .route("/api/command", post(command))
        .route("/api/timeline", post(timeline))
        .route("/api/events", get(events))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), check_code))
        .with_state(app);
    let addr = options.addr;
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|source| WebError::Bind { addr, source })?;
    let local = listener.local_addr().map_err(WebError::Serve)?;
    println!("Muster web console for {}:", console.title);
    println!("  room screen:  http://{local}/room{code}");
    println!("  facilitator:  http://{local}/facilitator{code}");
    for (id, name) in &seats {
        println!("  seat {name}:  http://{local}/seat/{id}{code}");
    }
    println!("End the session with quit (facilitator) or Ctrl-C here.");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let mut changes = console.changes.subscribe();
    let watched = Arc::clone(&console);
    // Ctrl-C at the terminal, or a service manager's SIGTERM, ends the session as quit does:
    // its outputs are written.
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let stop = async move {
        loop {
            #[cfg(unix)]
            let terminated = async {
                match terminate.as_mut() {
                    Some(t) => t.recv().await,
                    None => std::future::pending().await,
                }
            };
            #[cfg(not(unix))]
            let terminated = std::future::pending::<Option<()>>();
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() || watched.ended() { break; }
                }
                _ = tokio::signal::ctrl_c() => break,
                _ = terminated => break,
            }
        }
        let _ = close.send(true);
    };
    axum::serve(listener, router).with_graceful_shutdown(stop).await.map_err(WebError::Serve)?;
    // A connection still closing may hold the console; the session itself is taken out.
    console
        .take_session()
        .ok_or_else(|| WebError::Serve(std::io::Error::other("the session was already taken")))
}
