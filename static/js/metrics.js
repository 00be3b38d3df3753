// Draws the metrics page's charts from the figures the page passes with json_script.
// Every chart has a table with the same figures beside it, for screen readers and print.
(function () {
  "use strict";
  var source = document.getElementById("metrics-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var colours = ["#005ea2", "#e5a000", "#b50909", "#00a91c", "#71767a"];

  function bar(id, labels, datasets, options) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: datasets.map(function (set, i) {
          return Object.assign({ backgroundColor: colours[i % colours.length] }, set);
        })
      },
      options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, options || {})
    });
  }

  bar("chart-states", data.states.labels, [{ label: gettext("Cases"), data: data.states.values }]);
  bar("chart-steps", data.steps.labels, [
    { label: gettext("Median days"), data: data.steps.median },
    { label: gettext("90th percentile days"), data: data.steps.p90 }
  ]);
  bar("chart-declines", data.declines.labels, [{ label: gettext("Offers"), data: data.declines.values }]);
  bar("chart-outcomes", data.outcomes.labels, [
    { label: gettext("Agree (%)"), data: data.outcomes.agree },
    { label: gettext("Refine (%)"), data: data.outcomes.refine },
    { label: gettext("Change (%)"), data: data.outcomes.change }
  ], { scales: { x: { stacked: true }, y: { stacked: true, max: 100 } } });
})();
