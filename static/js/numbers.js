// Typed numbers, read exactly as the server reads them (rakornis/numbers.py; tests/test_numbers_js.py holds both to
// the same table): `1.500.000`, `1,8`, `-3,4128`, `1.250,75`, `Rp 1.500.000.000,-`, `1500000`, `1.8`, `1,500,000`.
// Whole rupiah are BigInt, so a total of many billions stays exact.
(function (root) {
  "use strict";
  var THOUSANDS_DOT = /^[1-9]\d{0,2}(\.\d{3})+$/;
  var THOUSANDS_COMMA = /^[1-9]\d{0,2}(,\d{3})+$/;
  var NUMBER = /^\d([\d.,]*\d)?$/;
  var CURRENCY = /^(rp\.?|idr)/i;
  var MINUS = "-\u2212\u2013";

  function isMinus(ch) { return ch !== "" && MINUS.indexOf(ch) !== -1; }

  // "-3,4128" -> {digits: "3.4128", negative: true}; null when it is not a number (the server says why).
  function read(text, thousands) {
    var compact = String(text == null ? "" : text).replace(/\s+/g, "");
    if (compact === "") return { blank: true };
    var negative = false;
    if (compact.charAt(0) === "(" && compact.charAt(compact.length - 1) === ")") {
      compact = compact.slice(1, -1);
      negative = true;
    }
    if (isMinus(compact.charAt(0))) { compact = compact.slice(1); negative = true; }
    compact = compact.replace(CURRENCY, "");
    if (!negative && isMinus(compact.charAt(0))) { compact = compact.slice(1); negative = true; }
    if (/[,.]-$/.test(compact)) compact = compact.slice(0, -2);
    if (!NUMBER.test(compact)) return null;
    var dots = (compact.match(/\./g) || []).length;
    var commas = (compact.match(/,/g) || []).length;
    var plain;
    if (dots && commas) {
      if (!thousands) return null;
      var mark = compact.lastIndexOf(",") > compact.lastIndexOf(".") ? "," : ".";
      var at = compact.lastIndexOf(mark);
      var whole = compact.slice(0, at);
      var separator = mark === "," ? "." : ",";
      var pattern = mark === "," ? THOUSANDS_DOT : THOUSANDS_COMMA;
      if (whole.indexOf(mark) !== -1 || (whole.indexOf(separator) !== -1 && !pattern.test(whole))) return null;
      plain = whole.split(separator).join("") + "." + compact.slice(at + 1);
    } else if (commas > 1 || dots > 1) {
      if (!thousands || !(commas ? THOUSANDS_COMMA : THOUSANDS_DOT).test(compact)) return null;
      plain = compact.replace(/[.,]/g, "");
    } else if (dots && thousands && THOUSANDS_DOT.test(compact)) {
      plain = compact.replace(".", "");
    } else {
      plain = compact.replace(",", ".");
    }
    return { digits: plain, negative: negative };
  }

  // A decimal as a JavaScript number (for display only), null when unreadable, undefined when blank.
  function parseNumber(text, options) {
    var thousands = !(options && options.thousands === false);
    var parts = read(text, thousands);
    if (parts === null) return null;
    if (parts.blank) return undefined;
    var value = Number(parts.digits);
    return parts.negative ? -value : value;
  }

  // Whole, non-negative rupiah as a BigInt; null for anything the server would refuse, undefined when blank.
  function parseRupiah(text) {
    var parts = read(text, true);
    if (parts === null) return null;
    if (parts.blank) return undefined;
    var split = parts.digits.split(".");
    if (split.length === 2 && /[^0]/.test(split[1])) return null; // sen
    var whole = BigInt(split[0]);
    if (parts.negative && whole !== 0n) return null;
    if (split[0].replace(/^0+/, "").length > 18) return null;
    return whole;
  }

  function formatRupiah(value) {
    return "Rp " + value.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  root.RakornisNumbers = { parseNumber: parseNumber, parseRupiah: parseRupiah, formatRupiah: formatRupiah };
})(window);
