// Produces known-answer vectors for GS1 Digital Link compression from GS1's reference implementation.
// Usage: node produce.js <path to GS1DigitalLinkToolkit.js> > vectors.json
// Each vector: the uncompressed URI given to the reference compressor and what it made of it, and the
// reference decompressor's URI for that compressed form.
const Toolkit = require(process.argv[2]);
const kit = new Toolkit();
const stem = "https://id.example.vn";
const inputs = [
  ["gtin alone", "/01/09506000134352"],
  ["gtin alone, GTIN-13 written as 14", "/01/08935049500018"],
  ["gtin and lot (opt 0B)", "/01/09506000134352/10/ABC123"],
  ["gtin, lot, serial", "/01/09506000134352/10/LOT7/21/SN0001"],
  ["gtin, lot, serial, expiry (opt 1A)", "/01/09506000134352/10/ABC/21/12345?17=271231"],
  ["gtin, expiry, lot (opt 0B + 17)", "/01/09506000134352/10/L-2026.10?17=261030"],
  ["gtin, lot, best before (opt 1F)", "/01/09506000134352/10/2610A?15=261030"],
  ["gtin, lot, production date and best before", "/01/09506000134352/10/2610A?11=261001&15=261030"],
  ["all-numeric lot, odd length", "/01/09506000134352/10/12345"],
  ["all-numeric lot, even length", "/01/09506000134352/10/123456"],
  ["numeric lot with leading zeros", "/01/09506000134352/10/000123"],
  ["lowercase hex lot", "/01/09506000134352/10/abc123def"],
  ["uppercase hex lot", "/01/09506000134352/10/ABC123DEF"],
  ["base64url-alphabet lot, mixed case", "/01/09506000134352/10/Lot_a-Z9x"],
  ["ASCII lot with symbols", "/01/09506000134352/10/A%2FB%2BC.%25%21"],
  ["20-character serial", "/01/09506000134352/10/L1/21/ABCDEFGHIJKLMNOPQRST"],
  ["serial only (opt 0C)", "/01/09506000134352/21/xyz%26789"],
  ["variant, lot, serial", "/01/09506000134352/22/V1/10/L1/21/S1"],
  ["gtin and net weight (opt 2B)", "/01/09506000134352?3103=001250"],
  ["gtin, lot and count (30)", "/01/09506000134352/10/L9?30=12"],
  ["GLN with extension", "/414/9520123456788/254/32a%2Fb"],
  ["SSCC", "/00/095012345678901237"],
  ["the demo's genuine batch", "/01/08939905000018/10/BN-2608-01"],
  ["the demo's serialised item, with a query attribute", "/01/08939901000012/10/BT-2608-01/21/BT260000003?17=280630"],
  ["gtin, lot, expiry with day 00", "/01/09506000134352/10/X?17=270100"],
];
// Partly compressed ("uncompressed primary"): the primary key stays in the path, the rest is compressed. The
// toolkit makes this form only from element strings.
const partial = [
  ["partly compressed: the demo's genuine batch", "(01)08939905000018(10)BN-2608-01", "/01/08939905000018/10/BN-2608-01"],
  ["partly compressed: lot, serial, expiry", "(01)09506000134352(10)ABC(21)12345(17)271231", "/01/09506000134352/10/ABC/21/12345?17=271231"],
];
const out = [];
for (const [name, path] of inputs) {
  const compressed = kit.compressGS1DigitalLink(stem + path, false, stem, false, true, false);
  const back = kit.decompressGS1DigitalLink(compressed, false, stem);
  out.push({ name, form: "full", uncompressed: path, compressed: compressed.slice(stem.length), reference_decompressed: back.slice(stem.length) });
}
for (const [name, elements, path] of partial) {
  const compressed = kit.gs1ElementStringsToCompressedGS1DigitalLink(elements, false, stem, true, true);
  const back = kit.decompressGS1DigitalLink(compressed, false, stem);
  out.push({ name, form: "partial", uncompressed: path, compressed: compressed.slice(stem.length), reference_decompressed: back.slice(stem.length) });
}
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
