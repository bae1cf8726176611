/* paymux console: the little behaviour its pages have, as a file (the console's CSP allows scripts
   from paymux only, no inline handlers). A form with data-confirm asks before it is sent. */
function confirmation(form) {
  /* "{amount}" in the question is the amount the form sends (its amount field, else the field's
     placeholder: the whole balance), written with thousands separators. */
  var text = form.dataset.confirm;
  var field = form.elements.namedItem("amount");
  if (field && text.indexOf("{amount}") >= 0) {
    var digits = (field.value || field.placeholder || "0").replace(/[^0-9]/g, "") || "0";
    text = text.replace("{amount}", Number(digits).toLocaleString("ko-KR"));
  }
  return text;
}

document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form && form.dataset && form.dataset.confirm && !window.confirm(confirmation(form))) {
    event.preventDefault();
  }
});
