//! Presentation of results: the terminal summary, JSON / CSV files written whole or not at
//! all, and reports (HTML, Markdown, GIS exports) built from one [`report::Report`].

pub mod debrief_page;
pub mod ensemble_files;
pub mod files;
pub mod format;
pub mod gis;
pub mod html;
pub mod inspection;
pub mod map;
pub mod markdown;
pub mod page;
pub mod report;
pub mod room_map;
pub mod summary;
pub mod tabletop;
pub mod terminal;
pub mod validation;
