"""Excel workbooks: the proposal interchange format (shared/spec/usulan-xlsx.md), its import, and the exports.

- `render.write_workbook` / `render.render_workbook`: the one rendering function (XlsxWriter, constant memory);
- `exporters`: proposals (interchange format), the Renja table, the fiscal-year recap, a meeting's annex;
- `importer`: `proposal_import_parse` (check, preview, no writes) and `proposal_import_apply` (all or nothing);
- `template`: `proposal_template_workbook`, the blank workbook with drop-downs and a `Referensi` sheet.
"""
