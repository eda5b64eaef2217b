//! Checks of rendered charts for tests: an SVG is well-formed, 1280×720, titled and has text;
//! a PNG decodes to 1280×720 RGB with more than a few colours and title text.

/// Panics, naming `what`, unless `svg` is a well-formed 1280×720 SVG document with a
/// `<title>` and more than five text elements.
pub(crate) fn check_svg(svg: &str, what: &str) {
    let doc = roxmltree::Document::parse(svg)
        .unwrap_or_else(|e| panic!("{what}: SVG is not well-formed XML: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{what}");
    assert_eq!(root.attribute("width"), Some("1280"), "{what}");
    assert_eq!(root.attribute("height"), Some("720"), "{what}");
    assert!(doc.descendants().any(|n| n.has_tag_name("title")), "{what}");
    assert!(
        doc.descendants().filter(|n| n.has_tag_name("text")).count() > 5,
        "{what}"
    );
}

/// Panics, naming `what`, unless `png_bytes` decode to a 1280×720 RGB image with more than
/// ten colours and dark (text) pixels in the title strip.
pub(crate) fn check_png(png_bytes: &[u8], what: &str) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{what}: PNG does not decode: {e}"));
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1280, 720), "{what}");
    assert_eq!(info.color_type, png::ColorType::Rgb, "{what}");
    let px = &buf[..info.buffer_size()];
    let colours: std::collections::HashSet<&[u8]> = px.chunks(3).collect();
    assert!(colours.len() > 10, "{what}: {} colours", colours.len());
    // Text was drawn: there are dark pixels in the title strip.
    let dark = px[..(1280 * 3 * 60)]
        .chunks(3)
        .filter(|p| p.iter().all(|c| *c < 80))
        .count();
    assert!(dark > 200, "{what}: no title text ({dark} dark pixels)");
}
