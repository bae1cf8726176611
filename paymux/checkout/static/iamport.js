/*!
 * paymux iamport.js — the i'mport (PortOne V1) JavaScript SDK, served by a self-hosted paymux.
 * IMP.init(userCode), IMP.agency(userCode, tierCode), IMP.request_pay(param, callback),
 * IMP.certification(param, callback) (the sandbox's phone verification window).
 *
 * The payment window is opened by posting a plain HTML form into an overlay iframe (PC) or the
 * page itself (mobile, with m_redirect_url), so no cross-origin XHR and no CORS are involved. The
 * window reports back with postMessage, which is accepted only from this script's own origin.
 * No dependencies; works in current browsers.
 */
(function (global) {
  "use strict";
  if (global.IMP && global.IMP.paymux) { return; }

  var document = global.document;
  var script = document.currentScript;
  var scriptUrl = script && script.src ? script.src : global.location.href;
  var base = scriptUrl.replace(/\/(v1\/iamport|js\/iamport\.payment-[\d.]+)\.js(\?.*)?$/, "");
  var baseOrigin = new URL(base, global.location.href).origin;

  var PAY_METHODS = ["card", "trans", "vbank", "phone", "samsung", "kakaopay", "ssgpay", "chai", "payco",
    "naverpay", "tosspay", "lpay", "kpay", "applepay", "cultureland", "smartculture", "happymoney",
    "booknlife", "point"];
  var state = { userCode: null, tierCode: null, open: null };

  function failure(code, message, merchantUid) {
    return { success: false, imp_success: false, imp_uid: null, merchant_uid: merchantUid || null,
      status: null, paid_amount: 0, error_code: code, error_msg: message };
  }

  function answer(callback, rsp) {
    if (typeof callback === "function") {
      global.setTimeout(function () { callback(rsp); }, 0);
    }
  }

  // What iamport.js fills when the shop leaves it out (the seeds' Kakao Pay example sends neither):
  // an order id "nobody_" + the time in milliseconds, and pay_method "card".
  function withDefaults(param) {
    if (!param || typeof param !== "object") { return param; }
    var filled = {};
    for (var key in param) {
      if (Object.prototype.hasOwnProperty.call(param, key)) { filled[key] = param[key]; }
    }
    if (filled.merchant_uid === undefined || filled.merchant_uid === null || filled.merchant_uid === "") {
      filled.merchant_uid = "nobody_" + new Date().getTime();
    }
    if (filled.pay_method === undefined || filled.pay_method === null || filled.pay_method === "") {
      filled.pay_method = "card";
    }
    return filled;
  }

  function problemWith(param) {
    if (!param || typeof param !== "object") { return "IMP.request_pay(param, callback): param must be an object"; }
    if (typeof param.merchant_uid !== "string" || !param.merchant_uid) {
      return "merchant_uid: 문자열로 전달해주세요 (must be a string: the shop's unique order id)";
    }
    if (typeof param.amount !== "number" || Math.floor(param.amount) !== param.amount) {
      return "amount: 숫자형(integer)으로 전달해주세요 (must be an integer, not " + typeof param.amount + ")";
    }
    if (param.pay_method !== undefined && PAY_METHODS.indexOf(String(param.pay_method).toLowerCase()) < 0) {
      return "pay_method: '" + param.pay_method + "' is not a pay method i'mport knows";
    }
    return null;
  }

  function isMobile() {
    return /Mobi|Android|iPhone|iPad|iPod/i.test(global.navigator.userAgent || "");
  }

  function redirectUrl(param) {
    var url = param && param.m_redirect_url;
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  // On a phone the result goes to m_redirect_url, also for a request refused before any window
  // opened (i'mport's manual): imp_success=false with the error, the shop's own query kept.
  function redirectFailure(url, rsp) {
    var target = new URL(url, global.location.href);
    var added = { imp_uid: "", merchant_uid: rsp.merchant_uid || "", imp_success: "false",
      error_code: rsp.error_code || "", error_msg: rsp.error_msg || "" };
    for (var name in added) { target.searchParams.append(name, added[name]); }
    global.location.href = target.toString();
  }

  function refuse(param, callback, rsp) {
    var url = redirectUrl(param);
    if (isMobile() && url) { return redirectFailure(url, rsp); }
    answer(callback, rsp);
  }

  function field(form, name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value == null ? "" : String(value);
    form.appendChild(input);
  }

  function windowForm(param, display, target, action) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = base + (action || "/checkout/window");
    form.acceptCharset = "UTF-8";
    form.target = target;
    form.style.display = "none";
    field(form, "user_code", state.userCode);
    field(form, "tier_code", state.tierCode);
    field(form, "param", JSON.stringify(param));
    field(form, "origin", global.location.origin);
    field(form, "display", display);
    return form;
  }

  function openOverlay(param, callback, action, title) {
    var name = "paymux-window-" + Math.random().toString(36).slice(2);
    var overlay = document.createElement("div");
    overlay.setAttribute("data-paymux-overlay", "");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.45);" +
      "display:flex;align-items:center;justify-content:center";
    var frame = document.createElement("iframe");
    frame.name = name;
    frame.title = title || "결제창 (payment window)";
    frame.setAttribute("data-paymux-window", "");
    frame.style.cssText = "width:460px;max-width:100vw;height:680px;max-height:100vh;border:0;" +
      "border-radius:10px;background:#fff;box-shadow:0 12px 40px rgba(0,0,0,.35)";
    overlay.appendChild(frame);
    document.body.appendChild(overlay);

    function onMessage(event) {
      if (event.origin !== baseOrigin || event.source !== frame.contentWindow) { return; }
      var data = event.data;
      if (!data || data.source !== "paymux" || data.type !== "result") { return; }
      global.removeEventListener("message", onMessage);
      overlay.parentNode && overlay.parentNode.removeChild(overlay);
      state.open = null;
      answer(callback, data.rsp);
    }
    global.addEventListener("message", onMessage);
    state.open = overlay;

    var form = windowForm(param, "popup", name, action);
    document.body.appendChild(form);
    form.submit();
    form.parentNode.removeChild(form);
  }

  var IMP = {
    paymux: base,

    init: function (userCode) {
      state.userCode = userCode == null ? null : String(userCode);
      state.tierCode = null;
    },

    agency: function (userCode, tierCode) {
      state.userCode = userCode == null ? null : String(userCode);
      state.tierCode = tierCode == null ? null : String(tierCode);
    },

    request_pay: function (param, callback) {
      param = withDefaults(param);
      var merchantUid = param && typeof param.merchant_uid === "string" ? param.merchant_uid : null;
      if (!state.userCode) {
        return refuse(param, callback, failure("F400", "IMP.init('가맹점 식별코드')를 먼저 호출해주세요 (call IMP.init first)", merchantUid));
      }
      var problem = problemWith(param);
      if (problem) { return refuse(param, callback, failure("F400", problem, merchantUid)); }
      if (state.open) {
        return answer(callback, failure("F400", "결제창이 이미 열려 있습니다 (a payment window is already open)", merchantUid));
      }
      if (isMobile() && param.m_redirect_url) {
        var form = windowForm(param, "redirect", "_self");
        document.body.appendChild(form);
        form.submit();
        return;
      }
      openOverlay(param, callback);
    },

    // Phone verification: the window posts the result to the callback (PC, or popup: true on a
    // phone) or sends the phone to m_redirect_url. The shop's server then reads
    // GET /certifications/{imp_uid}.
    certification: function (param, callback) {
      param = param && typeof param === "object" ? param : {};
      var merchantUid = typeof param.merchant_uid === "string" ? param.merchant_uid : null;
      if (!state.userCode) {
        return answer(callback, failure("F400", "IMP.init('가맹점 식별코드')를 먼저 호출해주세요 (call IMP.init first)", merchantUid));
      }
      if (state.open) {
        return answer(callback, failure("F400", "창이 이미 열려 있습니다 (a window is already open)", merchantUid));
      }
      if (isMobile() && redirectUrl(param) && !param.popup) {
        var form = windowForm(param, "redirect", "_self", "/checkout/certification/open");
        document.body.appendChild(form);
        form.submit();
        return;
      }
      openOverlay(param, callback, "/checkout/certification/open", "본인인증 (identity verification)");
    }
  };

  global.IMP = IMP;
})(window);
