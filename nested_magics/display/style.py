"""The one stylesheet every HTML view carries, scoped under ``.nm`` so it touches nothing else.

Colours are fixed status hues (pass green, info blue, warn amber, fail red) on light tints, readable in
JupyterLab's light theme and legible in dark; neutral text and borders follow JupyterLab's CSS variables.
Rules are specific enough (``.nm .nm-x``) to beat JupyterLab's rendered-HTML table defaults.
"""

CSS = """
.nm{font-family:var(--jp-ui-font-family,-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif);
 font-size:13px;line-height:1.45;color:var(--jp-ui-font-color1,#1f2328);max-width:1120px;text-align:left}
.nm *{box-sizing:border-box}
.nm .nm-banner{display:flex;align-items:center;flex-wrap:wrap;gap:6px 12px;padding:10px 14px;border:1px solid;
 border-left-width:6px;border-radius:6px;margin:0 0 10px}
.nm .nm-banner .nm-head{font-size:15px;font-weight:600}
.nm .nm-banner .nm-sub{flex-basis:100%;color:var(--jp-ui-font-color2,#59636e);font-size:12px}
.nm .nm-verdict{display:inline-block;font-weight:700;font-size:12px;letter-spacing:.05em;padding:2px 10px;border-radius:4px;
 color:#fff;white-space:nowrap}
.nm .nm-v-ready{background:#eefbf1;border-color:#1a7f37;color:#1f2328}.nm .nm-verdict.nm-v-ready{background:#1a7f37;color:#fff}
.nm .nm-v-fixable{background:#fff8e1;border-color:#bf8700;color:#1f2328}.nm .nm-verdict.nm-v-fixable{background:#9a6700;color:#fff}
.nm .nm-v-blocked{background:#fff0ee;border-color:#cf222e;color:#1f2328}.nm .nm-verdict.nm-v-blocked{background:#cf222e;color:#fff}
.nm .nm-v-error{background:#fff0ee;border-color:#82071e;color:#1f2328}.nm .nm-verdict.nm-v-error{background:#82071e;color:#fff}
.nm .nm-v-waiting{background:#f6f8fa;border-color:#8c959f;color:#1f2328}.nm .nm-verdict.nm-v-waiting{background:#6e7781;color:#fff}
.nm .nm-badge{display:inline-block;min-width:46px;text-align:center;font-size:11px;font-weight:700;letter-spacing:.04em;
 padding:1px 6px;border-radius:10px;border:1px solid;white-space:nowrap}
.nm .nm-pass{color:#116329;background:#dafbe1;border-color:#4ac26b}
.nm .nm-info{color:#0550ae;background:#ddf4ff;border-color:#54aeff}
.nm .nm-warn{color:#7d4e00;background:#fff8c5;border-color:#d4a72c}
.nm .nm-fail{color:#a40e26;background:#ffebe9;border-color:#ff8182}
.nm .nm-muted{color:var(--jp-ui-font-color2,#59636e)}
.nm .nm-card{display:flex;flex-wrap:wrap;gap:6px 28px;padding:8px 12px;margin:0 0 10px;
 border:1px solid var(--jp-border-color2,#d0d7de);border-radius:6px;background:var(--jp-layout-color1,#fff)}
.nm .nm-card div{min-width:0;max-width:340px;overflow-wrap:anywhere}
.nm .nm-card .nm-k{display:block;font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--jp-ui-font-color2,#59636e)}
.nm .nm-next{margin:0 0 12px;padding:8px 12px;border-radius:6px;background:var(--jp-layout-color2,#f6f8fa);
 border:1px solid var(--jp-border-color2,#d0d7de)}
.nm .nm-next ul{margin:4px 0 0;padding-left:18px}.nm .nm-next li{margin:3px 0}
.nm h4.nm-h{font-size:13px;font-weight:600;margin:14px 0 6px;padding:0;color:var(--jp-ui-font-color1,#1f2328)}
.nm table.nm-table{border-collapse:collapse;width:100%;margin:0 0 8px;table-layout:auto;font-size:13px;border:none}
.nm .nm-table th{text-align:left;font-weight:600;font-size:11px;text-transform:uppercase;letter-spacing:.04em;
 color:var(--jp-ui-font-color2,#59636e);border:none;border-bottom:1px solid var(--jp-border-color1,#d0d7de);padding:4px 8px;
 background:transparent}
.nm .nm-table td{text-align:left;vertical-align:top;padding:6px 8px;border:none;
 border-bottom:1px solid var(--jp-border-color2,#eaeef2);background:transparent;white-space:normal}
.nm .nm-table tr:hover td{background:var(--jp-layout-color2,#f6f8fa)}
.nm .nm-table td.nm-st{width:64px}
.nm .nm-table td.nm-nw{white-space:nowrap}
.nm .nm-table td.nm-fixcol{width:40%}
.nm .nm-title{font-weight:600}
.nm .nm-why{color:var(--jp-ui-font-color2,#59636e);font-size:12px;margin-top:2px}
.nm .nm-src{color:var(--jp-ui-font-color3,#6e7781);font-size:11px;margin-top:3px;font-style:italic}
.nm .nm-id{font-family:var(--jp-code-font-family,SFMono-Regular,Menlo,Consolas,monospace);font-size:11px;
 color:var(--jp-ui-font-color2,#59636e)}
.nm .nm-cmd{display:flex;align-items:flex-start;gap:6px}
.nm code.nm-code{flex:1;display:block;font-family:var(--jp-code-font-family,SFMono-Regular,Menlo,Consolas,monospace);
 font-size:12px;line-height:1.4;color:var(--jp-content-font-color1,#1f2328);background:var(--jp-layout-color2,#f6f8fa);
 border:1px solid var(--jp-border-color2,#d0d7de);border-radius:4px;padding:3px 6px;white-space:pre-wrap;
 overflow-x:auto;user-select:all;-webkit-user-select:all}
.nm code.nm-code span{white-space:nowrap}
.nm button.nm-copy{flex:none;font:inherit;font-size:11px;line-height:1.2;padding:3px 8px;border-radius:4px;cursor:pointer;
 color:var(--jp-ui-font-color1,#1f2328);background:var(--jp-layout-color1,#fff);border:1px solid var(--jp-border-color1,#c4c9cf)}
.nm button.nm-copy:hover{background:var(--jp-layout-color2,#eaeef2)}
.nm details.nm-fold{margin:2px 0 8px}
.nm details.nm-fold>summary{cursor:pointer;color:var(--jp-ui-font-color2,#59636e);font-size:12px;padding:2px 0}
.nm details.nm-group{border:1px solid var(--jp-border-color2,#d0d7de);border-radius:6px;margin:6px 0;padding:0 10px}
.nm details.nm-group>summary{cursor:pointer;padding:7px 0;font-weight:600}
.nm details.nm-group[open]>summary{border-bottom:1px solid var(--jp-border-color2,#eaeef2);margin-bottom:6px}
.nm .nm-scroll{max-height:360px;overflow:auto;border:1px solid var(--jp-border-color2,#d0d7de);border-radius:6px;margin:0 0 8px}
.nm .nm-scroll table.nm-table{margin:0}
.nm .nm-scroll th{position:sticky;top:0;background:var(--jp-layout-color1,#fff)}
.nm .nm-box{padding:8px 12px;border-radius:6px;border:1px solid;border-left-width:6px;margin:0 0 10px}
.nm .nm-box.nm-fail{color:var(--jp-ui-font-color1,#1f2328);background:#fff0ee;border-color:#cf222e}
.nm .nm-box.nm-pass{color:var(--jp-ui-font-color1,#1f2328);background:#eefbf1;border-color:#1a7f37}
.nm .nm-box.nm-info{color:var(--jp-ui-font-color1,#1f2328);background:#f1f8ff;border-color:#0969da}
.nm .nm-arrow{color:var(--jp-ui-font-color2,#59636e);padding:0 4px}
.nm .nm-irrev{color:#a40e26;font-weight:600}
.nm ul.nm-tree,.nm ul.nm-tree ul{list-style:none;margin:0;padding-left:22px}
.nm ul.nm-tree{padding-left:0}
.nm ul.nm-tree li{margin:3px 0}
.nm ul.nm-tree ul{border-left:1px dashed var(--jp-border-color1,#c4c9cf);margin-left:8px;padding-left:14px}
.nm ul.nm-tree summary{cursor:pointer}
.nm .nm-level{display:inline-block;font-family:var(--jp-code-font-family,monospace);font-size:11px;font-weight:700;
 padding:0 5px;border-radius:3px;background:#24292f;color:#fff;margin-right:4px}
.nm .nm-tag{display:inline-block;font-size:11px;padding:0 6px;border-radius:10px;border:1px solid var(--jp-border-color1,#c4c9cf);
 color:var(--jp-ui-font-color2,#59636e);margin-left:4px;white-space:nowrap}
.nm .nm-tag.nm-on{color:#6639ba;background:#fbefff;border-color:#c297ff}
.nm .nm-tag.nm-run{color:#116329;background:#dafbe1;border-color:#4ac26b}
.nm .nm-tag.nm-hold{color:#7d4e00;background:#fff8c5;border-color:#d4a72c}
.nm .nm-diagrams{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start;margin:10px 0}
.nm .nm-diagrams figure{margin:0}
.nm .nm-diagrams figcaption{font-size:12px;color:var(--jp-ui-font-color2,#59636e);margin-top:4px;max-width:420px}
"""


def style_tag() -> str:
    return f"<style>{CSS}</style>"
