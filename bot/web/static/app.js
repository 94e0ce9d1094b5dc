// Quiz Tutor's dashboard: a learner's own progress, or a group's results for its admins.
// Plain JS, no build step: every element is built with textContent (never innerHTML), and
// every call carries Telegram's initData for the server to check.
(function () {
  "use strict";
  var tg = window.Telegram && window.Telegram.WebApp;
  var app = document.getElementById("app");
  var SVGNS = "http://www.w3.org/2000/svg";
  var DAY = 86400000;

  // ---- texts -------------------------------------------------------------------------
  // The English text is the message id (extracted with the bot's own: `make translations`);
  // /i18n/<language>.json gives the translations from the bot's catalogues, and the order
  // of that language's plural forms as CLDR names them (what Intl.PluralRules returns).
  var L = { language: "en", plural: ["one", "other"], messages: {} };
  var plurals = new Intl.PluralRules("en");

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (field, name) {
      return values && name in values ? String(values[name]) : field;
    });
  }
  function _(id, values) {
    var text = L.messages[id];
    return fill(typeof text === "string" && text ? text : id, values);
  }
  function ngettext(singular, plural, n, values) {
    var forms = L.messages[singular], text;
    if (Array.isArray(forms) && forms.length) {
      var index = L.plural.indexOf(plurals.select(n));
      text = forms[index < 0 ? forms.length - 1 : index];
    } else {
      text = n === 1 ? singular : plural;
    }
    return fill(text, Object.assign({ count: n }, values || {}));
  }
  // The texts of `code` (a Telegram language_code; the server falls back to English).
  function useLanguage(code) {
    if (!code || code === L.language) return Promise.resolve();
    return fetch("/i18n/" + encodeURIComponent(code) + ".json").then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (texts) {
      if (!texts) return;
      L = texts;
      plurals = new Intl.PluralRules(texts.language);
      document.documentElement.lang = texts.language;
    }, function () { /* English, as the page is written */ });
  }

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
  function day(ms) { return ms ? new Date(ms).toISOString().slice(0, 10) : _("never"); }

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

  function errorText(error) {
    if (error && error.code === "unknown_learner") {
      return _("Nothing here yet: send /start to the bot and answer a few questions.");
    }
    if (error && error.status === 401) {
      return _("This dashboard only opens from Telegram, and its sign-in lasts an hour. " +
        "Close it and open it again from the chat.");
    }
    if (error && error.status === 403) return _("Only this group's admins can open its dashboard.");
    return _("Something went wrong. Close the dashboard and open it again.");
  }
  function showError(error) {
    var text = errorText(error);
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
    // Rows start on Monday: Monday, Wednesday and Friday named as the language names them.
    var weekday = new Intl.DateTimeFormat(L.language, { weekday: "narrow", timeZone: "UTC" });
    [4, 6, 8].forEach(function (date, k) {  // day 4 of the epoch, 5 January 1970, a Monday
      svg.appendChild(s("text", { x: 0, y: k * 2 * (size + gap) + size - 2,
        text: weekday.format(new Date(date * DAY)) }));
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
    app.appendChild(h("h1", { text: _("Hi, {name}", { name: data.name }) }));
    app.appendChild(h("div", { class: "stats", id: "headline" },
      stat(hd.answers, ngettext("answer", "answers", hd.answers), "stat-answers"),
      stat(pct(hd.correct, hd.answers), _("right"), "stat-accuracy"),
      stat(hd.streak, ngettext("day streak", "day streak", hd.streak), "stat-streak"),
      // Due by the next daily prompt, every kind: the rule /stats counts by.
      stat(hd.due.questions + hd.due.cards + hd.due.prompts, _("due before your next revision"),
        "stat-due"),
      stat(hd.mastered + "/" + hd.items, _("mastered"), "stat-mastered"),
      stat(data.missed.length, _("to revisit"), "stat-missed")));

    app.appendChild(h("h2", { text: _("Due in the next 14 days") }));
    var labels = data.forecast.map(function (value, i) {
      return i === 0 ? _("today") : (i % 3 === 0 ? "+" + i : "");
    });
    app.appendChild(h("div", { class: "card" }, barChart(data.forecast, labels, "forecast")));

    app.appendChild(h("h2", { text: _("Activity, last 12 weeks") }));
    app.appendChild(h("div", { class: "card" }, heatmap(data.heatmap.start, data.heatmap.counts)));

    app.appendChild(h("h2", { text: _("Mastery per deck") }));
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

    app.appendChild(h("h2", { text: _("Questions to revisit") }));
    var list = h("div", { id: "missed" });
    if (!data.missed.length) list.appendChild(h("p", { class: "muted", text: _("None: well done.") }));
    data.missed.forEach(function (q) {
      var status = h("span", { class: "muted" });
      var button = h("button", { text: _("Quiz me in the chat"), "data-item": q.item_id });
      button.addEventListener("click", function () {
        button.disabled = true;
        api("POST", "/api/me/quiz", { item_id: q.item_id }).then(function () {
          status.className = "ok";
          status.textContent = _("Sent to the chat");
        }, function () {
          button.disabled = false;
          status.textContent = _("Could not send it; try again.");
        });
      });
      list.appendChild(h("div", { class: "card missed" },
        h("div", { class: "muted", text: _("{deck} · missed {count}×",
          { deck: q.deck, count: q.misses }) }),
        h("b", { text: q.question }),
        h("details", {}, h("summary", { text: _("Answer and explanation") }),
          h("p", {}, _("Answer:") + " ", h("b", { text: q.correct })),
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
        h("th", { class: "name", onclick: function () { sortBy("name"); } }, _("Student") + arrow("name")),
        h("th", { onclick: function () { sortBy("points"); } }, _("Points") + arrow("points")),
        h("th", { onclick: function () { sortBy("right"); } }, _("Right") + arrow("right")),
        h("th", { text: _("Last active") }));
      var acc = h("tr", {}, h("th", { class: "name", text: _("Group") }), h("th"), h("th"), h("th"));
      m.questions.forEach(function (q, i) {
        head.appendChild(h("th", { title: q.text, text: "Q" + (i + 1) }));
        acc.appendChild(h("th", { class: "accuracy",
          title: _("{right} of {answers} right", { right: q.right, answers: q.answers }),
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
      var shown = { first: m.offset + 1, last: m.offset + m.students.length };
      matrixBox.appendChild(h("p", { class: "muted", id: "matrix-count",
        text: m.total_students > m.students.length ?
          ngettext("{count} student, {first}–{last} shown", "{count} students, {first}–{last} shown",
            m.total_students, shown) :
          ngettext("{count} student", "{count} students", m.total_students) }));
      matrixBox.appendChild(h("div", { class: "scroll" },
        h("table", { id: "matrix-table" }, h("thead", {}, head, acc), body)));
      var prev = h("button", { class: "secondary", text: _("← Previous") });
      var next = h("button", { class: "secondary", text: _("Next →") });
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
        trendBox.appendChild(h("h2", { text: _("{name}: points per week", { name: t.first_name }) }));
        var points = t.weeks.map(function (w) { return w.points; });
        var labels = t.weeks.map(function (w) { return w.period.slice(5); });
        trendBox.appendChild(h("div", { class: "card" }, barChart(points, labels, "trend-chart"),
          h("p", { class: "muted", text: t.weeks.map(function (w) {
            return _("{period}: {right} right", { period: w.period, right: w.right });
          }).join(" · ") })));
        trendBox.scrollIntoView({ block: "nearest" });
      }, showError);
    }

    function renderSummary(sm) {
      clear(summaryBox);
      summaryBox.appendChild(h("div", { class: "stats" },
        stat(sm.member_count == null ? "?" : sm.member_count,
          ngettext("member", "members", sm.member_count == null ? 5 : sm.member_count), "stat-members"),
        stat(sm.played_ever, _("ever played"), "stat-played"),
        stat(sm.played_this_week, _("this week"), "stat-week")));
      var never = sm.never_played.map(function (m) { return m.first_name; }).join(", ");
      var more = sm.never_played_known - sm.never_played.length;
      var text = !never ? _("Everyone the bot has seen has played.") : more > 0 ?
        _("Never played: {names} and {count} more.", { names: never, count: more }) :
        _("Never played: {names}.", { names: never });
      if (sm.unseen) {
        text += " " + _("Not seen by the bot yet (never joined while it watched, never played): " +
          "{count}.", { count: sm.unseen });
      }
      summaryBox.appendChild(h("p", { class: "card", id: "never-played", text: text }));

      var week = h("select", { id: "week", "aria-label": _("Week") },
        h("option", { value: "", text: _("All weeks") }));
      sm.weeks.forEach(function (w) {
        week.appendChild(h("option", { value: w, text: _("Week of {date}", { date: w }) }));
      });
      var deck = h("select", { id: "deck", "aria-label": _("Deck") },
        h("option", { value: "", text: _("All decks") }));
      sm.decks.forEach(function (d) { deck.appendChild(h("option", { value: d.id, text: d.title })); });
      week.addEventListener("change", function () { state.week = week.value; state.offset = 0; loadMatrix(); });
      deck.addEventListener("change", function () { state.deck = deck.value; state.offset = 0; loadMatrix(); });
      controls.appendChild(week);
      controls.appendChild(deck);

      var csv = h("button", { class: "secondary", id: "csv", text: _("Download CSV") });
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
      var challengeDeck = h("select", { id: "challenge-deck", "aria-label": _("Challenge deck") });
      sm.decks.forEach(function (d) { challengeDeck.appendChild(h("option", { value: d.id, text: d.title })); });
      var start = h("button", { id: "start-challenge", text: _("Start a challenge") });
      var startStatus = h("span", { class: "muted", id: "challenge-status" });
      start.addEventListener("click", function () {
        start.disabled = true;
        api("POST", base + "/challenge", { deck_id: challengeDeck.value }).then(function (r) {
          start.disabled = false;
          startStatus.className = r.started ? "ok" : "muted";
          startStatus.textContent = r.started ? _("Started in the group") :
            _("A round is already running");
        }, function (e) { start.disabled = false; showError(e); });
      });
      clear(actionsBox);
      actionsBox.appendChild(h("h2", { text: _("Actions") }));
      actionsBox.appendChild(h("div", { class: "row" }, csv));
      actionsBox.appendChild(h("div", { class: "row" }, challengeDeck, start, startStatus));
    }

    inLanguage(api("GET", base + "/summary"), function (sm) {
      clear(app);
      app.appendChild(h("h1", { text: _("Group results") }));
      app.appendChild(summaryBox);
      app.appendChild(h("h2", { text: _("Who missed what") }));
      app.appendChild(controls);
      app.appendChild(matrixBox);
      app.appendChild(trendBox);
      app.appendChild(actionsBox);
      renderSummary(sm);
      return loadMatrix();
    });
  }

  // The view once its data and the texts of the language it is shown in are there: the
  // language the server chose (the learner's /language, else Telegram's), else Telegram's
  // as the page sees it (an error before the server said).
  function inLanguage(request, view) {
    var user = tg && tg.initDataUnsafe && tg.initDataUnsafe.user;
    var early = useLanguage(user && user.language_code);
    request.then(function (data) {
      return early.then(function () { return useLanguage(data.language); }).then(function () {
        return view(data);
      });
    }, function (error) {
      return early.then(function () { showError(error); });
    });
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
    inLanguage(api("GET", "/api/me"), learnerView);
  }
})();
