/*
 * The programmation page's helps, as progressive enhancement (without scripts the row buttons and the bulk
 * buttons submit the form, which redirects back; no box is ticked for the agent).
 *
 * 1. « Tout sélectionner »: a checkbox in the table's header, hidden until this script shows it, ticks or
 *    unticks every row's box; it reads as partly ticked (indeterminate) when some rows only are.
 * 2. A row's decision taken in place (htmx swaps the row): focus goes to the new row's first decision
 *    button (else the row itself), without scrolling, so that keyboard and screen-reader users stay there;
 *    when no row comes back (refused right, server error, network), the live region says so.
 */
(function () {
  "use strict";

  var form = document.getElementById("form-decisions");
  if (!form) {
    return;
  }

  // --- 1. Select all / none ----------------------------------------------------------------------------
  var tout = document.getElementById("coche-tout");

  function casesDesLignes() {
    return form.querySelectorAll('tbody input[type="checkbox"][name="actions"]');
  }

  function accorderTout() {
    var cases = casesDesLignes();
    var cochees = 0;
    cases.forEach(function (c) {
      if (c.checked) {
        cochees += 1;
      }
    });
    tout.checked = cases.length > 0 && cochees === cases.length;
    tout.indeterminate = cochees > 0 && cochees < cases.length;
  }

  if (tout && casesDesLignes().length) {
    document.getElementById("groupe-coche-tout").hidden = false;
    tout.addEventListener("change", function () {
      casesDesLignes().forEach(function (c) {
        c.checked = tout.checked;
      });
      tout.indeterminate = false;
    });
    form.addEventListener("change", function (evenement) {
      if (evenement.target !== tout && evenement.target.name === "actions") {
        accorderTout();
      }
    });
    accorderTout();
  }

  // --- 2. Focus after a decision taken in place -----------------------------------------------------------
  var ligneDecidee = null; // the row whose decision is being asked
  var derniereLigne = null; // the row last swapped

  document.body.addEventListener("htmx:beforeRequest", function (evenement) {
    var ligne = evenement.detail.elt.closest && evenement.detail.elt.closest("tr[id^='action-']");
    ligneDecidee = ligne ? ligne.id : null;
  });

  // An answer htmx does not swap (the programmation was transmitted from another tab: 403; a server error)
  // or no answer at all: say so in the live region rather than nothing happening.
  function direEchec() {
    if (!ligneDecidee) {
      return;
    }
    ligneDecidee = null;
    var annonce = document.getElementById("annonce-decision");
    var alerte = document.createElement("div");
    alerte.className = "fr-alert fr-alert--error fr-alert--sm";
    var texte = document.createElement("p");
    texte.textContent =
      "La décision n'a pas pu être enregistrée. Rechargez la page pour voir l'état actuel de la programmation.";
    alerte.appendChild(texte);
    annonce.replaceChildren(alerte);
  }
  document.body.addEventListener("htmx:responseError", direEchec);
  document.body.addEventListener("htmx:sendError", direEchec);

  // The announcement sits over the page's bottom corner: its close button empties it, and focus goes back
  // to the row last decided (the button it was on is gone). Delegated: each answer replaces the element.
  form.addEventListener("click", function (evenement) {
    if (!evenement.target.closest("#annonce-decision .fr-btn--close")) {
      return;
    }
    document.getElementById("annonce-decision").replaceChildren();
    var ligne = derniereLigne && document.getElementById(derniereLigne);
    if (ligne) {
      (ligne.querySelector("button[name='decision_unitaire']") || ligne).focus({ preventScroll: true });
    }
  });

  document.body.addEventListener("htmx:afterSettle", function () {
    if (!ligneDecidee) {
      return;
    }
    var ligne = document.getElementById(ligneDecidee);
    derniereLigne = ligneDecidee;
    ligneDecidee = null;
    if (!ligne) {
      return;
    }
    var bouton = ligne.querySelector("button[name='decision_unitaire']");
    if (!bouton) {
      ligne.setAttribute("tabindex", "-1");
    }
    (bouton || ligne).focus({ preventScroll: true });
    if (tout) {
      accorderTout();
    }
  });
})();
