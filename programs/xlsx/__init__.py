"""Excel workbooks: the proposal interchange format (shared/spec/usulan-xlsx.md), its import, and the exports.

- `render.write_workbook` / `render.render_workbook`: the one rendering function (XlsxWriter, constant memory);
- `exporters`: proposals in the interchange format (the Renja and recap workbooks are `workplans.exports`, a
  meeting's annex `meetings.exports`); `cells`: the helpers every exporter uses;
- `importer`: `proposal_import_parse` (check, preview, no writes) and `proposal_import_apply` (all or nothing);
- `template`: `proposal_template_workbook`, the blank workbook with drop-downs and a `Referensi` sheet.
"""
