/* The formation screen: drag a person onto a group to place them there.
 * A progressive enhancement only: the drop ticks the person (with the others already ticked if they were ticked
 * too), chooses the group in the form and presses its "Place in the group" button, the very form that works without
 * JavaScript. Loaded with defer from a file: no inline script (the content security policy forbids it). */
(function () {
  "use strict";

  var form = document.getElementById("formation-form");
  if (!form || !("draggable" in document.createElement("span"))) {
    return;
  }
  var groupSelect = form.querySelector("select[name=group]");
  var assignButton = form.querySelector("button[name=action][value=assign]");
  var HIGHLIGHT = ["border-primary", "border-2", "bg-primary-subtle"];
  var dragged = null;

  function boxOf(id) {
    return form.querySelector('input[name=selected][value="' + id + '"]');
  }

  form.querySelectorAll("[data-person]").forEach(function (row) {
    row.setAttribute("draggable", "true");
    row.addEventListener("dragstart", function (event) {
      dragged = row.getAttribute("data-person");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged);
    });
    row.addEventListener("dragend", function () {
      dragged = null;
    });
  });

  form.querySelectorAll("[data-group]").forEach(function (card) {
    card.addEventListener("dragover", function (event) {
      if (dragged === null) {
        return;
      }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      card.classList.add.apply(card.classList, HIGHLIGHT);
    });
    card.addEventListener("dragleave", function (event) {
      if (!card.contains(event.relatedTarget)) {
        card.classList.remove.apply(card.classList, HIGHLIGHT);
      }
    });
    card.addEventListener("drop", function (event) {
      event.preventDefault();
      card.classList.remove.apply(card.classList, HIGHLIGHT);
      var box = boxOf(dragged || event.dataTransfer.getData("text/plain"));
      if (!box || !groupSelect || !assignButton) {
        return;
      }
      if (!box.checked) {
        // Dragging someone not ticked moves that person only.
        form.querySelectorAll("input[name=selected]:checked").forEach(function (other) {
          other.checked = false;
        });
        box.checked = true;
      }
      groupSelect.value = card.getAttribute("data-group");
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(assignButton);
      } else {
        assignButton.click();
      }
    });
  });
})();
