"""Checks every e2e page should pass: accessibility basics and no sideways scrolling on phones."""

# Runs in the page. Returns a list of problems in plain words (empty when all is well).
ACCESSIBILITY_BASICS = """
() => {
  const problems = [];
  const describe = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const name = el.getAttribute("name") ? `[name=${el.getAttribute("name")}]` : "";
    return `<${el.tagName.toLowerCase()}${id}${name}>`;
  };
  const visible = (el) => {
    if (!el.getClientRects().length) return false;
    // false inside a closed <details> or any other content-visibility: hidden subtree
    if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none";
  };
  const named = (el) =>
    (el.getAttribute("aria-label") || "").trim() ||
    (el.getAttribute("aria-labelledby") || "").trim() ||
    (el.getAttribute("title") || "").trim();

  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    if ((el.labels && el.labels.length) || named(el)) continue;
    problems.push(`${describe(el)} has no label`);
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`${describe(img)} (${img.src}) has no alt text`);
  }
  for (const el of document.querySelectorAll("a[href], button, summary")) {
    if (!visible(el)) continue;
    const text = (el.textContent || "").trim();
    const imgAlt = [...el.querySelectorAll("img[alt]")].some((i) => i.alt.trim());
    if (!text && !named(el) && !imgAlt) problems.push(`${describe(el)} has no accessible name`);
  }
  const ids = new Map();
  for (const el of document.querySelectorAll("[id]")) ids.set(el.id, (ids.get(el.id) || 0) + 1);
  for (const [id, count] of ids) if (count > 1) problems.push(`id "${id}" is used ${count} times`);

  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].filter(visible);
  const h1s = headings.filter((h) => h.tagName === "H1").length;
  if (h1s !== 1) problems.push(`the page has ${h1s} visible <h1> (want exactly one)`);
  let previous = 0;
  for (const h of headings) {
    const level = Number(h.tagName[1]);
    if (previous && level > previous + 1) {
      problems.push(`heading levels skip from h${previous} to h${level} at "${h.innerText.trim()}"`);
    }
    previous = level;
  }
  if (!document.documentElement.lang) problems.push("<html> has no lang");
  if (!document.title.trim()) problems.push("the page has no <title>");
  if (!document.querySelector("main#content")) problems.push("no <main id=content>");
  return problems;
}
"""


def assert_accessible_basics(page) -> None:
    """Labels on inputs, alt on images, names on controls, one h1, headings in order.

    Inline scripts and style attributes are caught by the browser itself: the e2e context
    serves every page with a strict Content-Security-Policy (see conftest.py).
    """
    problems = page.evaluate(ACCESSIBILITY_BASICS)
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


def assert_no_horizontal_overflow(page) -> None:
    """The page does not scroll sideways (wide tables scroll inside their .table-wrap)."""
    widths = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
    )
    if widths["scroll"] <= widths["inner"]:
        return
    culprits = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
            // Wide content may scroll inside a .table-wrap (the wrap itself must fit), unless
            // it is positioned out of it: an absolute .sr-only label escapes an unpositioned wrap.
            .filter((el) => !(el.parentElement && el.parentElement.closest(".table-wrap")) ||
                            ["absolute", "fixed"].includes(getComputedStyle(el).position))
            .filter((el) => !el.closest(".sidebar, dialog"))
            .slice(0, 8)
            .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}">`)"""
    )
    raise AssertionError(
        f"{page.url} is {widths['scroll']}px wide in a {widths['inner']}px window; "
        f"too wide: {', '.join(culprits)}"
    )
