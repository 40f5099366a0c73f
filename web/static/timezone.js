// The timezone select follows this device's timezone (sign-up and settings).
// `data-browser-zone="set"` picks it (a new account); "offer" adds a button that
// picks it (an account that has one already). Without JavaScript the select keeps
// its server-side value. A static file: the pages' CSP allows no inline script.
(function () {
  "use strict";
  // Names browsers (ICU) still report for zones the tz database renamed.
  var RENAMED = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Europe/Kiev": "Europe/Kyiv",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca",
    "America/Cordoba": "America/Argentina/Cordoba",
    "America/Jujuy": "America/Argentina/Jujuy",
    "America/Mendoza": "America/Argentina/Mendoza",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Louisville": "America/Kentucky/Louisville",
    "America/Godthab": "America/Nuuk",
    "Pacific/Enderbury": "Pacific/Kanton",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Etc/UTC": "UTC",
    "Etc/GMT": "UTC",
    "GMT": "UTC"
  };
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) {
    return;
  }
  zone = RENAMED[zone] || zone;
  var selects = document.querySelectorAll("select[data-browser-zone]");
  Array.prototype.forEach.call(selects, function (select) {
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (!known || select.value === zone) {
      return;
    }
    if (select.getAttribute("data-browser-zone") === "set") {
      select.value = zone;
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button browser-zone";
    button.textContent = "Use this device's timezone (" + zone + ")";
    button.addEventListener("click", function () {
      select.value = zone;
      button.remove();
      select.focus();
    });
    select.insertAdjacentElement("afterend", button);
  });
})();
