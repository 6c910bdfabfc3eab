/*
 * The action form's two small helps, as progressive enhancement (without scripts every field shows and
 * nothing is ticked for the agent). A file of its own, no inline script: the pages will get a Content
 * Security Policy without 'unsafe-inline'.
 *
 * 1. A field that applies to some categories only (its wrapper's data-categories, space-separated codes:
 *    the quantity of police equipment, an ISCG post's first year) is hidden for the other categories.
 * 2. A co-funder whose name starts with one of the form's data-prefixes-etat (DETR, DSIL) gets its
 *    « Financement de l'État » box ticked, as a suggestion: once the agent has clicked the box, their
 *    choice stands. The server never ticks it on its own.
 */
(function () {
  "use strict";

  var form = document.getElementById("form-action");
  if (!form) {
    return;
  }

  // --- 1. Fields of some categories only ---------------------------------------------------------------
  var categorie = form.querySelector('select[name="categorie"]');
  var parCategorie = form.querySelectorAll("[data-categories]");

  function montrerSelonCategorie() {
    var choisie = categorie ? categorie.value : "";
    parCategorie.forEach(function (element) {
      var codes = element.getAttribute("data-categories").split(" ");
      element.hidden = codes.indexOf(choisie) === -1;
    });
  }

  if (categorie && parCategorie.length) {
    categorie.addEventListener("change", montrerSelonCategorie);
    montrerSelonCategorie();
  }

  // --- 2. « Financement de l'État » suggested for DETR and DSIL ------------------------------------------
  var prefixes = (form.getAttribute("data-prefixes-etat") || "")
    .split(" ")
    .filter(function (prefixe) {
      return prefixe;
    })
    .map(function (prefixe) {
      return prefixe.toUpperCase();
    });

  function caseEtat(champFinanceur) {
    var nom = champFinanceur.name.replace(/-financeur$/, "-etat");
    var champ = form.querySelector('input[type="checkbox"][name="' + nom + '"]');
    return champ;
  }

  function suggere(financeur) {
    var nom = financeur.trim().toUpperCase();
    return prefixes.some(function (prefixe) {
      return nom.indexOf(prefixe) === 0;
    });
  }

  form.addEventListener("change", function (evenement) {
    var cible = evenement.target;
    if (cible.type === "checkbox" && /-etat$/.test(cible.name)) {
      cible.setAttribute("data-choix-agent", "1"); // the agent decided: no more suggestions here
    }
  });

  form.addEventListener("input", function (evenement) {
    var cible = evenement.target;
    if (!prefixes.length || !/-financeur$/.test(cible.name || "")) {
      return;
    }
    var etat = caseEtat(cible);
    if (etat && !etat.hasAttribute("data-choix-agent")) {
      etat.checked = suggere(cible.value);
    }
  });
})();
