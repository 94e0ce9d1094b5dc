// Quiz Tutor's dashboard: a learner's own progress, or a group's results for its admins.
// Plain JS, no build step: every element is built with textContent (never innerHTML), and
// every call carries Telegram's initData for the server to check.
(function () {
  "use strict";
  var tg = window.Telegram && window.Telegram.WebApp;
  var app = document.getElementById("app");
  var SVGNS = "http://www.w3.org/2000/svg";
  var DAY = 86400000;

  function h(tag, attrs) {
    var el = document.createElement(tag);
    for (var key in attrs || {}) {
      if (key === "text") el.textContent = attrs[key];
      else if (key === "class") el.className = attrs[key];
      else if (key.slice(0, 2) === "on") el.addEventListener(key.slice(2), attrs[key]);
      else el.setAttribute(key, attrs[key]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child == null) continue;
      el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return el;
  }
  function s(tag, attrs) {
    var el = document.createElementNS(SVGNS, tag);
    for (var key in attrs) {
      if (key === "text") el.textContent = attrs[key];
      else el.setAttribute(key, attrs[key]);
    }
    return el;
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
  function pct(part, whole) { return whole ? Math.round(100 * part / whole) + "%" : "–"; }
  function day(ms) { return ms ? new Date(ms).toISOString().slice(0, 10) : "never"; }

  function ApiError(status, code) { this.status = status; this.code = code; }

  function api(method, path, body) {
    var init = { method: method, headers: { "Authorization": "tma " + (tg ? tg.initData : "") } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new ApiError(response.status, data.error || "error");
        return data;
      });
    });
  }

  var MESSAGES = {
    401: "This dashboard only opens from Telegram, and its sign-in lasts an hour. " +
      "Close it and open it again from the chat.",
    403: "Only this group's admins can open its dashboard.",
    unknown_learner: "Nothing here yet: send /start to the bot and answer a few questions."
  };
  function showError(error) {
    var text = (error && (MESSAGES[error.code] || MESSAGES[error.status])) ||
      "Something went wrong. Close the dashboard and open it again.";
    clear(app).appendChild(h("div", { class: "error", role: "alert", id: "error" }, text));
  }

  // ---- charts (inline SVG) -----------------------------------------------------------

  function barChart(values, labels, id) {
    var w = 340, hgt = 110, pad = 16, max = Math.max.apply(null, values.concat([1]));
    var bw = (w - 2 * pad) / values.length;
    var svg = s("svg", { viewBox: "0 0 " + w + " " + (hgt + 14), id: id, role: "img" });
    values.forEach(function (v, i) {
      var bh = (hgt - 14) * v / max;
      svg.appendChild(s("rect", { class: "bar", x: pad + i * bw + 2, y: hgt - bh,
        width: Math.max(bw - 4, 1), height: bh, rx: 2 }));
      svg.appendChild(s("text", { x: pad + i * bw + bw / 2, y: hgt - bh - 3,
        "text-anchor": "middle", text: v ? String(v) : "" }));
      if (labels[i]) {
        svg.appendChild(s("text", { x: pad + i * bw + bw / 2, y: hgt + 12,
          "text-anchor": "middle", text: labels[i] }));
      }
    });
    return svg;
  }

  function heatmap(start, counts) {
    var weeks = Math.ceil(counts.length / 7), size = 12, gap = 3;
    var svg = s("svg", { viewBox: "0 0 " + (weeks * (size + gap) + 20) + " " +
      (7 * (size + gap)), id: "heatmap", role: "img" });
    var top = Math.max.apply(null, counts.concat([1]));
    counts.forEach(function (n, i) {
      var level = n === 0 ? 0 : Math.min(3, 1 + Math.floor(3 * n / (top + 1)));
      var date = new Date(Date.parse(start) + i * DAY).toISOString().slice(0, 10);
      var cell = s("rect", { class: "heat" + level, x: 20 + Math.floor(i / 7) * (size + gap),
        y: (i % 7) * (size + gap), width: size, height: size, rx: 2 });
      cell.appendChild(s("title", { text: date + ": " + n }));
      svg.appendChild(cell);
    });
    ["M", "W", "F"].forEach(function (d, k) {
      svg.appendChild(s("text", { x: 0, y: k * 2 * (size + gap) + size - 2, text: d }));
    });
    return svg;
  }

  function stat(value, label, id) {
    return h("div", { class: "stat", id: id }, h("b", { text: String(value) }),
      h("span", { text: label }));
  }

  // ---- learner view ------------------------------------------------------------------

  function learnerView(data) {
    var hd = data.headline;
    clear(app);
    app.appendChild(h("h1", { text: "Hi, " + data.name }));
    app.appendChild(h("div", { class: "stats", id: "headline" },
      stat(hd.answers, "answers", "stat-answers"),
      stat(pct(hd.correct, hd.answers), "right", "stat-accuracy"),
      stat(hd.streak, "day streak", "stat-streak"),
      stat(hd.due_today, "due today", "stat-due"),
      stat(hd.mastered + "/" + hd.items, "mastered", "stat-mastered"),
      stat(data.missed.length, "to revisit", "stat-missed")));

    app.appendChild(h("h2", { text: "Due in the next 14 days" }));
    var labels = data.forecast.map(function (_, i) {
      return i === 0 ? "today" : (i % 3 === 0 ? "+" + i : "");
    });
    app.appendChild(h("div", { class: "card" }, barChart(data.forecast, labels, "forecast")));

    app.appendChild(h("h2", { text: "Activity, last 12 weeks" }));
    app.appendChild(h("div", { class: "card" }, heatmap(data.heatmap.start, data.heatmap.counts)));

    app.appendChild(h("h2", { text: "Mastery per deck" }));
    var mastery = h("div", { class: "card", id: "mastery" });
    data.mastery.forEach(function (deck) {
      var fill = h("i");
      fill.style.width = pct(deck.mastered, deck.total).replace("–", "0%");
      mastery.appendChild(h("div", { class: "deck" },
        h("div", { class: "row" }, h("span", { text: deck.title }),
          h("span", { class: "muted", text: deck.mastered + "/" + deck.total })),
        h("div", { class: "meter" }, fill)));
    });
    app.appendChild(mastery);

    app.appendChild(h("h2", { text: "Questions to revisit" }));
    var list = h("div", { id: "missed" });
    if (!data.missed.length) list.appendChild(h("p", { class: "muted", text: "None: well done." }));
    data.missed.forEach(function (q) {
      var status = h("span", { class: "muted" });
      var button = h("button", { text: "Quiz me in the chat", "data-item": q.item_id });
      button.addEventListener("click", function () {
        button.disabled = true;
        api("POST", "/api/me/quiz", { item_id: q.item_id }).then(function () {
          status.className = "ok";
          status.textContent = "Sent to the chat";
        }, function () {
          button.disabled = false;
          status.textContent = "Could not send it; try again.";
        });
      });
      list.appendChild(h("div", { class: "card missed" },
        h("div", { class: "muted", text: q.deck + " · missed " + q.misses + "×" }),
        h("b", { text: q.question }),
        h("details", {}, h("summary", { text: "Answer and explanation" }),
          h("p", {}, "Answer: ", h("b", { text: q.correct })),
          h("p", { text: q.explanation })),
        h("div", { class: "row" }, button, status)));
    });
    app.appendChild(list);
  }

  // ---- teacher view ------------------------------------------------------------------

  function teacherView(chatId) {
    var base = "/api/group/" + chatId;
    var state = { week: "", deck: "", sort: "points", order: "desc", offset: 0, limit: 50 };
    var summaryBox = h("div", { id: "summary" });
    var controls = h("div", { class: "row", id: "filters" });
    var matrixBox = h("div", { id: "matrix" });
    var trendBox = h("div", { id: "trend" });
    var actionsBox = h("div", { id: "actions" });

    function loadMatrix() {
      var q = "?sort=" + state.sort + "&order=" + state.order + "&offset=" + state.offset +
        "&limit=" + state.limit + (state.week ? "&week=" + state.week : "") +
        (state.deck ? "&deck=" + encodeURIComponent(state.deck) : "");
      return api("GET", base + "/matrix" + q).then(renderMatrix, showError);
    }

    function sortBy(key) {
      if (state.sort === key) state.order = state.order === "desc" ? "asc" : "desc";
      else { state.sort = key; state.order = key === "name" ? "asc" : "desc"; }
      state.offset = 0;
      loadMatrix();
    }

    function renderMatrix(m) {
      clear(matrixBox);
      var arrow = function (key) {
        return state.sort === key ? (state.order === "desc" ? " ▼" : " ▲") : "";
      };
      var head = h("tr", {},
        h("th", { class: "name", onclick: function () { sortBy("name"); } }, "Student" + arrow("name")),
        h("th", { onclick: function () { sortBy("points"); } }, "Points" + arrow("points")),
        h("th", { onclick: function () { sortBy("right"); } }, "Right" + arrow("right")),
        h("th", { text: "Last active" }));
      var acc = h("tr", {}, h("th", { class: "name", text: "Group" }), h("th"), h("th"), h("th"));
      m.questions.forEach(function (q, i) {
        head.appendChild(h("th", { title: q.text, text: "Q" + (i + 1) }));
        acc.appendChild(h("th", { class: "accuracy", title: q.right + " of " + q.answers + " right",
          text: pct(q.right, q.answers) }));
      });
      var body = h("tbody");
      m.students.forEach(function (st) {
        var row = h("tr", { class: "student", "data-user": String(st.user_id) },
          h("td", { class: "name", text: st.first_name }),
          h("td", { text: String(st.points) }),
          h("td", { text: String(st.right) }),
          h("td", { class: "muted", text: day(st.last_active) }));
        st.cells.forEach(function (c) {
          row.appendChild(h("td", { class: c || "none", text: c === "right" ? "✓" : c === "wrong" ? "✗" : "·" }));
        });
        row.addEventListener("click", function () { loadTrend(st.user_id); });
        body.appendChild(row);
      });
      matrixBox.appendChild(h("p", { class: "muted", id: "matrix-count",
        text: m.total_students + " students" + (m.total_students > m.students.length ?
          ", " + (m.offset + 1) + "–" + (m.offset + m.students.length) + " shown" : "") }));
      matrixBox.appendChild(h("div", { class: "scroll" },
        h("table", { id: "matrix-table" }, h("thead", {}, head, acc), body)));
      var prev = h("button", { class: "secondary", text: "← Previous" });
      var next = h("button", { class: "secondary", text: "Next →" });
      prev.disabled = m.offset === 0;
      next.disabled = m.offset + m.students.length >= m.total_students;
      prev.addEventListener("click", function () {
        state.offset = Math.max(0, state.offset - state.limit); loadMatrix();
      });
      next.addEventListener("click", function () { state.offset += state.limit; loadMatrix(); });
      matrixBox.appendChild(h("div", { class: "row" }, prev, next));
    }

    function loadTrend(userId) {
      api("GET", base + "/student/" + userId).then(function (t) {
        clear(trendBox);
        trendBox.appendChild(h("h2", { text: t.first_name + ": points per week" }));
        var points = t.weeks.map(function (w) { return w.points; });
        var labels = t.weeks.map(function (w) { return w.period.slice(5); });
        trendBox.appendChild(h("div", { class: "card" }, barChart(points, labels, "trend-chart"),
          h("p", { class: "muted", text: t.weeks.map(function (w) {
            return w.period + ": " + w.right + " right";
          }).join(" · ") })));
        trendBox.scrollIntoView({ block: "nearest" });
      }, showError);
    }

    function renderSummary(sm) {
      clear(summaryBox);
      summaryBox.appendChild(h("div", { class: "stats" },
        stat(sm.member_count == null ? "?" : sm.member_count, "members", "stat-members"),
        stat(sm.played_ever, "ever played", "stat-played"),
        stat(sm.played_this_week, "this week", "stat-week")));
      var never = sm.never_played.map(function (m) { return m.first_name; });
      var more = sm.never_played_known - never.length;
      var text = (never.length ? "Never played: " + never.join(", ") +
        (more > 0 ? " and " + more + " more" : "") + "." : "Everyone the bot has seen has played.") +
        (sm.unseen ? " Not seen by the bot yet (never joined while it watched, never played): " +
          sm.unseen + "." : "");
      summaryBox.appendChild(h("p", { class: "card", id: "never-played", text: text }));

      var week = h("select", { id: "week", "aria-label": "Week" }, h("option", { value: "", text: "All weeks" }));
      sm.weeks.forEach(function (w) { week.appendChild(h("option", { value: w, text: "Week of " + w })); });
      var deck = h("select", { id: "deck", "aria-label": "Deck" }, h("option", { value: "", text: "All decks" }));
      sm.decks.forEach(function (d) { deck.appendChild(h("option", { value: d.id, text: d.title })); });
      week.addEventListener("change", function () { state.week = week.value; state.offset = 0; loadMatrix(); });
      deck.addEventListener("change", function () { state.deck = deck.value; state.offset = 0; loadMatrix(); });
      controls.appendChild(week);
      controls.appendChild(deck);

      var csv = h("button", { class: "secondary", id: "csv", text: "Download CSV" });
      csv.addEventListener("click", function () {
        api("POST", base + "/export").then(function (link) {
          var url = new URL(link.url, location.href).href;
          if (tg && tg.isVersionAtLeast && tg.isVersionAtLeast("8.0") && tg.platform !== "unknown") {
            tg.downloadFile({ url: url, file_name: link.file_name });
          } else {
            var a = h("a", { href: url, download: link.file_name });
            document.body.appendChild(a); a.click(); a.remove();
          }
        }, showError);
      });
      var challengeDeck = h("select", { id: "challenge-deck", "aria-label": "Challenge deck" });
      sm.decks.forEach(function (d) { challengeDeck.appendChild(h("option", { value: d.id, text: d.title })); });
      var start = h("button", { id: "start-challenge", text: "Start a challenge" });
      var startStatus = h("span", { class: "muted", id: "challenge-status" });
      start.addEventListener("click", function () {
        start.disabled = true;
        api("POST", base + "/challenge", { deck_id: challengeDeck.value }).then(function (r) {
          start.disabled = false;
          startStatus.className = r.started ? "ok" : "muted";
          startStatus.textContent = r.started ? "Started in the group" : "A round is already running";
        }, function (e) { start.disabled = false; showError(e); });
      });
      clear(actionsBox);
      actionsBox.appendChild(h("h2", { text: "Actions" }));
      actionsBox.appendChild(h("div", { class: "row" }, csv));
      actionsBox.appendChild(h("div", { class: "row" }, challengeDeck, start, startStatus));
    }

    api("GET", base + "/summary").then(function (sm) {
      clear(app);
      app.appendChild(h("h1", { text: "Group results" }));
      app.appendChild(summaryBox);
      app.appendChild(h("h2", { text: "Who missed what" }));
      app.appendChild(controls);
      app.appendChild(matrixBox);
      app.appendChild(trendBox);
      app.appendChild(actionsBox);
      renderSummary(sm);
      return loadMatrix();
    }, showError);
  }

  // ---- start -------------------------------------------------------------------------

  if (tg) {
    tg.ready();
    tg.expand();
    document.documentElement.dataset.scheme = tg.colorScheme;
  }
  var startParam = tg && tg.initDataUnsafe ? tg.initDataUnsafe.start_param : null;
  var group = /^g(-\d+)$/.exec(startParam || "");
  if (group) {
    teacherView(group[1]);
  } else {
    api("GET", "/api/me").then(learnerView, showError);
  }
})();
