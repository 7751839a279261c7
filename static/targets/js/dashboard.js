// Goals dashboard: county switcher and the ECharts county map of Jiangmen (no inline scripts: CSP).
(function () {
  "use strict";
  document.querySelectorAll("[data-county-switch]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.value) { window.location.href = select.value; }
    });
  });

  var container = document.getElementById("county-map");
  var dataNode = document.getElementById("map-data");
  if (!container || !dataNode || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(dataNode.textContent);
  var chart = window.echarts.init(container, null, { renderer: "canvas" });
  // The status colours are the legend's (targets.css): one definition for the map and its legend.
  var STATUS_COLOURS = {};
  document.querySelectorAll("#map-legend [data-status]").forEach(function (item) {
    var swatch = item.querySelector(".map-swatch");
    STATUS_COLOURS[item.getAttribute("data-status")] = window.getComputedStyle(swatch).backgroundColor;
  });

  function format(value, decimals) {
    return value === null || value === undefined ? "—" : Number(value).toFixed(decimals);
  }

  function render(code) {
    var meta = data.indicators[code] || { name: "", unit: "", decimals: 0 };
    var series = (data.series[code] || []).map(function (item) {
      return {
        name: item.name, value: item.value, code: item.code, target: item.target, done: item.done,
        status_label: item.status_label,
        itemStyle: { areaColor: STATUS_COLOURS[item.status] || STATUS_COLOURS.no_data },
        // hover keeps the county's own status colour (never the "behind" yellow) and outlines it
        emphasis: { itemStyle: { areaColor: STATUS_COLOURS[item.status] || STATUS_COLOURS.no_data, borderColor: "#212529", borderWidth: 2 } }
      };
    });
    chart.setOption({
      title: { text: meta.name, left: "center", textStyle: { fontSize: 14 } },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var d = p.data || {};
          return p.name + "<br>" + format(d.value, meta.decimals) + " " + meta.unit +
            (d.target !== null && d.target !== undefined ? " / " + format(d.target, meta.decimals) : "") +
            (d.done !== null && d.done !== undefined ? "<br>" + format(d.done, 1) + "%" : "") +
            (d.status_label ? "<br>" + d.status_label : "");
        }
      },
      series: [{
        type: "map", map: "江门", roam: false, selectedMode: false,
        label: { show: true, fontSize: 11 },
        emphasis: { label: { show: true } },
        data: series
      }]
    }, true);
  }

  render(data.selected);
  chart.on("click", function (p) {
    if (p.data && p.data.code) { window.location.href = data.county_url.replace("000000", p.data.code); }
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
