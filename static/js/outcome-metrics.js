// Draws the outcome figures beside the published ones (the table below has the same figures).
(function () {
  "use strict";
  var source = document.getElementById("outcome-metrics-data");
  var canvas = document.getElementById("chart-outcome-figures");
  if (!source || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: gettext("Ours (%)"), data: data.ours, backgroundColor: "#005ea2" },
        { label: gettext("Published (%)"), data: data.published, backgroundColor: "#71767a" }
      ]
    },
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { max: 100 } } }
  });
})();
