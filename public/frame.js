// Inside Canvas's iframe: tell Canvas the page's height (lti.frameResize) so the frame grows
// instead of scrolling, and open links back to Canvas in the parent window.
(function () {
  if (window.parent === window) return;
  var lastHeight = 0;
  function resize() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === lastHeight) return;
    lastHeight = height;
    window.parent.postMessage({ subject: 'lti.frameResize', height: height }, '*');
  }
  document.querySelectorAll('a[data-canvas]').forEach(function (link) { link.target = '_top'; });
  window.addEventListener('load', resize);
  window.addEventListener('resize', resize);
  if (window.ResizeObserver) new ResizeObserver(resize).observe(document.body);
  resize();
})();
document.querySelectorAll('[data-print]').forEach(function (button) {
  button.addEventListener('click', function () { window.print(); });
});
