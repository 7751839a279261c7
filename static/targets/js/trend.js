// Indicator page: trend by quarter from the stored snapshots, with the yearly milestones.
(function () {
  "use strict";
  var container = document.getElementById("trend-chart");
  var node = document.getElementById("trend-data");
  if (!container || !node || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var labels = data.points.map(function (p) { return p.label; });
  var milestoneByLabel = {};
  (data.milestones || []).forEach(function (m) {
    if (m.value !== null) { milestoneByLabel[m.year + "Q4"] = m.value; }
  });
  var chart = window.echarts.init(container);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 50, right: 20, top: 20, bottom: 50 },
    xAxis: { type: "category", data: labels },
    yAxis: { type: "value", name: data.unit },
    series: [
      { name: data.name, type: "line", data: data.points.map(function (p) { return p.value; }), connectNulls: true },
      { name: "目标", type: "line", lineStyle: { type: "dashed" }, data: data.points.map(function (p) { return p.target; }) },
      { name: "年度节点", type: "scatter", symbolSize: 10,
        data: labels.map(function (l) { return milestoneByLabel[l] === undefined ? null : milestoneByLabel[l]; }) }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
