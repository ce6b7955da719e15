// Amounts and counts written by page scripts (chart labels and tooltips, import progress)
// in the user's number format, the same as the page's own |money and {% count %}: the page
// embeds the format as json_script "number-format" (ledger/templatetags/money.py).
// Intl does the rounding, symbols and grouping positions; the separators are swapped for
// the user's ones, so "1.234,56" shows as on the rest of the page whatever the browser's
// language. Loaded with `defer` before the page's script.
(function () {
  "use strict";
  var node = document.getElementById("number-format");
  var fmt = { group: ",", decimal: ".", lakh: false };
  try {
    if (node) { fmt = JSON.parse(node.textContent); }
  } catch (e) { /* keep 1,234.56 */ }
  var locale = fmt.lakh ? "en-IN" : "en-US";

  function formatter(options) {
    var intl;
    try {
      intl = new Intl.NumberFormat(locale, options);
    } catch (e) {
      intl = new Intl.NumberFormat(locale); // an unknown currency code: the number alone
    }
    return {
      format: function (value) {
        return intl.formatToParts(value).map(function (part) {
          if (part.type === "group") { return fmt.group; }
          if (part.type === "decimal") { return fmt.decimal; }
          return part.value;
        }).join("");
      },
    };
  }

  var counts = formatter({ maximumFractionDigits: 0 });
  var plain = formatter({ maximumFractionDigits: 2 });
  window.BillfoldNumbers = {
    // money("EUR").format(-1234.5) -> "-€1.234,50" in the "eu" format.
    money: function (currency) { return formatter({ style: "currency", currency: currency }); },
    // count(5500) -> "5.500".
    count: function (value) { return counts.format(value); },
    // number(2500) -> "2.500": a chart axis's steps.
    number: function (value) { return plain.format(value); },
  };
})();
