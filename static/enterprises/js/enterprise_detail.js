// Enterprise detail: output value, revenue and profit over time (year-to-date, 10k yuan).
(function () {
  "use strict";
  var holder = document.getElementById("statistics-chart");
  var source = document.getElementById("statistics-data");
  if (!holder || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data.periods.length) { holder.classList.add("d-none"); return; }
  var chart = echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: data.series.map(function (s) { return s.name; }) },
    grid: { left: 60, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: data.periods },
    yAxis: { type: "value", name: data.unit },
    series: data.series.map(function (s) { return { name: s.name, type: "line", data: s.values, connectNulls: true }; })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
