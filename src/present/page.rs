//! Pages of their own made from Markdown (the debrief, the inspection): the Markdown rendered
//! with its tables, in a document whose stylesheet is inside it, so the file can be sent on as
//! it is.

/// `markdown` as HTML (tables included).
pub fn html_of(markdown: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES);
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, parser);
    out
}

/// A whole document: `title` (escaped here), `style` as its stylesheet, `body` (HTML) in its
/// main region.
pub fn standalone(title: &str, style: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<link rel=\"icon\" href=\"data:,\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
         <style>{style}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        super::format::escape(title)
    )
}
