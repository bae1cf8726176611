/* paymux INICIS emulator: INIStdPay.pay(formId) submits the merchant's form to the emulated window
   in the same frame (the real script opens an overlay iframe). Not INICIS's code. */
(function () {
  var base = {{ base | tojson }};
  window.INIStdPay = {
    pay: function (formId) {
      var form = document.getElementById(formId);
      if (!form) { throw new Error("INIStdPay.pay: no form with id " + formId); }
      form.setAttribute("action", base + "/payMain/pay");
      form.setAttribute("method", "post");
      form.setAttribute("accept-charset", "UTF-8");
      form.setAttribute("target", "_self");
      form.submit();
    }
  };
})();
