// The payment provider takes a checkout as a posted form: send it at once,
// leaving the button for readers without scripts.
document.getElementById("checkout-post").submit();
