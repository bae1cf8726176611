/* paymux console: the little behaviour its pages have, as a file (the console's CSP allows scripts
   from paymux only, no inline handlers). A form with data-confirm asks before it is sent. */
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form && form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
