/* The family's form, with JavaScript: a triangle to place a point on for "What made the
   difference?". The choices stay (keyboard and screen-reader users keep them); a point placed
   adds one more choice holding its three shares, checked, so the form sends it as any other. */
(function () {
  "use strict";
  var holder = document.querySelector("[data-triad]");
  if (!holder) { return; }
  var radios = holder.querySelector(".radios");
  var NS = "http://www.w3.org/2000/svg";
  var A = [20, 180], B = [110, 24], C = [200, 180]; // our own effort, people around us, a service
  var svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 220 210");
  svg.setAttribute("class", "triad");
  svg.setAttribute("aria-hidden", "true");
  function add(name, attrs, text) {
    var el = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (text) { el.textContent = text; }
    svg.appendChild(el);
    return el;
  }
  add("polygon", {points: [A, B, C].join(" "), fill: "#f3f2f1", stroke: "#0b0c0c"});
  add("text", {x: 0, y: 200, "font-size": 12}, "Our own effort");
  add("text", {x: 70, y: 14, "font-size": 12}, "People around us");
  add("text", {x: 160, y: 200, "font-size": 12}, "A service");
  var dot = add("circle", {r: 6, fill: "#1d70b8", visibility: "hidden"});

  function shares(x, y) {
    var d = (B[1] - C[1]) * (A[0] - C[0]) + (C[0] - B[0]) * (A[1] - C[1]);
    var a = ((B[1] - C[1]) * (x - C[0]) + (C[0] - B[0]) * (y - C[1])) / d;
    var b = ((C[1] - A[1]) * (x - C[0]) + (A[0] - C[0]) * (y - C[1])) / d;
    var parts = [a, b, 1 - a - b].map(function (v) { return Math.max(v, 0); });
    var sum = parts[0] + parts[1] + parts[2];
    parts = parts.map(function (v) { return Math.round(v / sum * 100) / 100; });
    var biggest = parts.indexOf(Math.max.apply(null, parts));
    parts[biggest] = Math.round((1 - (parts[0] + parts[1] + parts[2] - parts[biggest])) * 100) / 100;
    return parts;
  }

  svg.addEventListener("click", function (event) {
    var box = svg.getBoundingClientRect();
    var x = (event.clientX - box.left) * 220 / box.width;
    var y = (event.clientY - box.top) * 210 / box.height;
    var parts = shares(x, y);
    dot.setAttribute("cx", A[0] * parts[0] + B[0] * parts[1] + C[0] * parts[2]);
    dot.setAttribute("cy", A[1] * parts[0] + B[1] * parts[1] + C[1] * parts[2]);
    dot.setAttribute("visibility", "visible");
    var input = document.getElementById("triad-point");
    if (!input) {
      var item = document.createElement("div");
      item.className = "radios__item";
      input = document.createElement("input");
      input.className = "radios__input";
      input.type = "radio";
      input.name = "triad";
      input.id = "triad-point";
      var label = document.createElement("label");
      label.className = "label radios__label";
      label.htmlFor = "triad-point";
      item.appendChild(input);
      item.appendChild(label);
      radios.insertBefore(item, radios.firstChild);
    }
    input.value = parts.join(",");
    input.checked = true;
    input.nextSibling.textContent = "The point I placed: " + Math.round(parts[0] * 100) +
      "% our own effort, " + Math.round(parts[1] * 100) + "% people around us, " +
      Math.round(parts[2] * 100) + "% a service";
  });
  var hint = document.createElement("p");
  hint.className = "hint";
  hint.textContent = "Tap the triangle where it feels right, or choose an answer below.";
  radios.parentNode.insertBefore(hint, radios);
  radios.parentNode.insertBefore(svg, radios);
}());
