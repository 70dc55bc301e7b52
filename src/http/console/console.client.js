// The media library page. Talks only to /console/<cloud>/api/* (session cookie
// plus CSRF header) and uploads straight to the Upload API with a signature
// the server makes; the api_secret never reaches this page.
(function () {
  'use strict';
  var body = document.body;
  var cloud = body.dataset.cloud;
  var csrf = body.dataset.csrf;
  var base = '/console/' + encodeURIComponent(cloud) + '/api/';
  var $ = function (id) {
    return document.getElementById(id);
  };
  var state = { filters: {}, cursor: null, selected: null };

  function status(text, isError) {
    $('status').textContent = text || '';
    $('status').className = isError ? 'error' : '';
  }

  function api(method, path, payload) {
    var init = { method: method, headers: { 'X-CSRF-Token': csrf }, credentials: 'same-origin' };
    if (payload !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(payload);
    }
    return fetch(base + path, init).then(function (res) {
      if (res.status === 401) {
        location.reload();
        throw new Error('Signed out');
      }
      return res.json().then(function (data) {
        if (!res.ok || data.error) throw new Error((data.error && data.error.message) || 'Request failed (' + res.status + ')');
        return data;
      });
    });
  }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c) e.appendChild(c);
    });
    return e;
  }

  var encodeId = function (id) {
    return id.split('/').map(encodeURIComponent).join('/');
  };
  function deliveryUrl(r, transformation, format) {
    var t = transformation ? transformation + '/' : '';
    var f = format === undefined ? (r.format ? '.' + r.format : '') : format ? '.' + format : '';
    return '/' + encodeURIComponent(cloud) + '/image/upload/' + t + 'v' + r.version + '/' + encodeId(r.public_id) + f;
  }
  var thumb = function (r) {
    return deliveryUrl(r, 'c_fill,w_300,h_300', 'jpg');
  };

  // Tabs
  var tabs = document.querySelectorAll('nav[aria-label="Sections"] button');
  function show(name) {
    tabs.forEach(function (b) {
      var on = b.dataset.tab === name;
      if (on) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
      $(b.dataset.tab).hidden = !on;
    });
    if (name === 'moderation') loadQueue();
    if (name === 'library') loadLibrary(false);
  }
  tabs.forEach(function (b) {
    b.addEventListener('click', function () {
      show(b.dataset.tab);
    });
  });

  // Library
  function query(params) {
    return Object.keys(params)
      .filter(function (k) {
        return params[k];
      })
      .map(function (k) {
        return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]);
      })
      .join('&');
  }

  // quiet: a refresh after an action keeps the action's message in the status line.
  function loadLibrary(append, quiet) {
    var f = state.filters;
    var params = { prefix: f.prefix, tag: f.tag, status: f.view, cursor: append ? state.cursor : '' };
    if (!quiet) status('Loading…');
    return api('GET', 'resources?' + query(params))
      .then(function (data) {
        var grid = $('grid');
        if (!append) grid.textContent = '';
        var list = data.resources.filter(function (r) {
          return !f.tag || !f.view || (r.tags || []).indexOf(f.tag) >= 0;
        });
        list.forEach(function (r) {
          var mod = r.moderation_status ? el('span', { class: 'badge', text: r.moderation_status }) : null;
          var btn = el(
            'button',
            {
              type: 'button',
              'aria-label': 'Show details of ' + r.public_id,
              onclick: function () {
                openDetails(r.public_id);
              },
            },
            [
              el('img', { src: thumb(r), alt: '', loading: 'lazy' }),
              el('span', { class: 'cap' }, [document.createTextNode(r.public_id), mod]),
            ],
          );
          grid.appendChild(el('li', { 'data-public-id': r.public_id }, [btn]));
        });
        state.cursor = data.next_cursor || null;
        $('more').hidden = !state.cursor;
        renderFolders();
        if (!quiet) status(grid.children.length ? grid.children.length + ' assets' : 'No assets here yet.');
      })
      .catch(function (e) {
        status(e.message, true);
      });
  }

  // The folders come from the Folders API, so empty ones and those beyond the first page of assets show too.
  function renderFolders() {
    var prefix = state.filters.prefix || '';
    var nav = $('folders');
    return api('GET', 'folders?' + query({ prefix: prefix }))
      .catch(function () {
        // A prefix that is not a folder (yet) has no subfolders.
        return { folders: [] };
      })
      .then(function (data) {
        nav.textContent = '';
        if (prefix)
          nav.appendChild(
            el('button', {
              type: 'button',
              class: 'secondary',
              text: 'All folders',
              onclick: function () {
                setPrefix('');
              },
            }),
          );
        data.folders.forEach(function (f) {
          var p = f.path + '/';
          nav.appendChild(
            el('button', {
              type: 'button',
              class: 'secondary',
              text: p,
              'aria-label': 'Open folder ' + p,
              onclick: function () {
                setPrefix(p);
              },
            }),
          );
        });
        if (data.next_cursor) nav.appendChild(el('span', { text: 'More folders: type a prefix to narrow them.' }));
      });
  }

  function setPrefix(p) {
    $('prefix').value = p;
    state.filters.prefix = p;
    loadLibrary(false);
  }

  $('filters').addEventListener('submit', function (e) {
    e.preventDefault();
    state.filters = { prefix: $('prefix').value.trim(), tag: $('tag').value.trim(), view: $('view').value };
    loadLibrary(false);
  });
  $('more').addEventListener('click', function () {
    loadLibrary(true);
  });

  function loadTags() {
    api('GET', 'tags')
      .then(function (data) {
        var dl = $('taglist');
        dl.textContent = '';
        data.tags.forEach(function (t) {
          dl.appendChild(el('option', { value: t }));
        });
      })
      .catch(function () {
        /* the tag list is a convenience */
      });
  }

  // Details
  function openDetails(id) {
    return api('GET', 'resource?public_id=' + encodeURIComponent(id))
      .then(function (r) {
        state.selected = r;
        var d = $('details');
        d.hidden = false;
        $('d-img').src = deliveryUrl(r, 'c_limit,w_600', 'jpg');
        $('d-img').alt = 'Preview of ' + r.public_id;
        var meta = $('d-meta');
        meta.textContent = '';
        var rows = [
          ['Public id', r.public_id],
          ['Dimensions', r.width + ' × ' + r.height],
          ['Bytes', String(r.bytes)],
          ['Format', r.format],
          ['Version', String(r.version)],
          ['Created', r.created_at],
          ['Moderation', r.moderation && r.moderation.length ? r.moderation[0].status : 'none'],
          ['Context', r.context && r.context.custom ? JSON.stringify(r.context.custom) : '—'],
          ['URL', r.secure_url],
        ];
        rows.forEach(function (row) {
          meta.appendChild(el('dt', { text: row[0] }));
          meta.appendChild(el('dd', { text: row[1] }));
        });
        $('d-tags').value = (r.tags || []).join(', ');
        var derived = $('d-derived');
        derived.textContent = '';
        (r.derived || []).forEach(function (x) {
          derived.appendChild(el('li', {}, [el('a', { href: x.secure_url || x.url, text: x.transformation + ' (' + x.bytes + ' B)' })]));
        });
        if (!derived.children.length) derived.appendChild(el('li', { text: 'None yet' }));
        var revisions = $('d-revisions');
        revisions.textContent = '';
        (r.versions || []).forEach(function (v) {
          var li = el('li', { text: 'v' + v.version + ' · ' + (v.time || v.created_at || '') + ' ' });
          if (v.version_id && v.version !== r.version) {
            li.appendChild(
              el('button', {
                type: 'button',
                class: 'secondary',
                text: 'Restore',
                onclick: function () {
                  act('restore', { public_id: r.public_id, version_id: v.version_id }, 'Restored');
                },
              }),
            );
          }
          revisions.appendChild(li);
        });
        if (!revisions.children.length) revisions.appendChild(el('li', { text: 'No backed-up revisions' }));
        $('d-tags').focus();
      })
      .catch(function (e) {
        status(e.message, true);
      });
  }

  function act(path, payload, message) {
    return api('POST', path, payload).then(
      function (res) {
        status(message);
        return res;
      },
      function (e) {
        status(e.message, true);
        throw e;
      },
    );
  }

  function refreshSelected() {
    var r = state.selected;
    return Promise.all([loadLibrary(false, true), r ? openDetails(r.public_id) : null]);
  }

  $('tag-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var tags = $('d-tags')
      .value.split(',')
      .map(function (t) {
        return t.trim();
      })
      .filter(Boolean);
    act('tags', { public_id: state.selected.public_id, tags: tags }, 'Tags saved').then(function () {
      loadTags();
      return refreshSelected();
    });
  });
  $('d-approve').addEventListener('click', function () {
    act('moderation', { public_id: state.selected.public_id, status: 'approved' }, 'Approved').then(refreshSelected);
  });
  $('d-reject').addEventListener('click', function () {
    act('moderation', { public_id: state.selected.public_id, status: 'rejected' }, 'Rejected').then(refreshSelected);
  });
  $('d-purge').addEventListener('click', function () {
    act('purge', { public_id: state.selected.public_id }).then(function (res) {
      status('Purged ' + res.purged + ' cached copies');
    });
  });
  $('d-delete').addEventListener('click', function () {
    var id = state.selected.public_id;
    if (!window.confirm('Delete ' + id + '?')) return;
    act('delete', { public_id: id }, 'Deleted ' + id).then(function () {
      $('details').hidden = true;
      state.selected = null;
      loadLibrary(false, true);
    });
  });
  $('rename-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var to = $('d-rename').value.trim();
    if (!to) return;
    act('rename', { from: state.selected.public_id, to: to }, 'Renamed to ' + to).then(function () {
      $('d-rename').value = '';
      loadLibrary(false);
      openDetails(to);
    });
  });

  // Upload
  function uploadFile(file) {
    var bar = el('progress', { max: '100', value: '0', 'aria-label': 'Upload progress of ' + file.name });
    var note = el('span', { text: 'Uploading…' });
    var img = el('img', { alt: '' });
    var li = el('li', { 'data-file': file.name }, [img, el('span', { class: 'name', text: file.name }), bar, note]);
    $('uploads').appendChild(li);
    var params = {};
    var folder = $('up-folder').value.trim();
    var tags = $('up-tags').value.trim();
    if (folder) params.folder = folder;
    if (tags) params.tags = tags;
    return api('POST', 'sign', { params: params })
      .then(function (signed) {
        return new Promise(function (resolve, reject) {
          var form = new FormData();
          Object.keys(signed).forEach(function (k) {
            form.append(k, signed[k]);
          });
          form.append('file', file, file.name);
          var xhr = new XMLHttpRequest();
          xhr.open('POST', '/v1_1/' + encodeURIComponent(cloud) + '/auto/upload');
          xhr.upload.onprogress = function (e) {
            if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
          };
          xhr.onload = function () {
            var data = {};
            try {
              data = JSON.parse(xhr.responseText);
            } catch (err) {
              /* handled below */
            }
            if (xhr.status === 200 && !data.error) resolve(data);
            else reject(new Error((data.error && data.error.message) || 'Upload failed (' + xhr.status + ')'));
          };
          xhr.onerror = function () {
            reject(new Error('Network error'));
          };
          xhr.send(form);
        });
      })
      .then(
        function (r) {
          bar.value = 100;
          note.textContent = 'Done';
          li.setAttribute('data-public-id', r.public_id);
          if (r.resource_type === 'image') {
            img.src = thumb(r);
            img.alt = 'Thumbnail of ' + r.public_id;
          }
          loadTags();
        },
        function (e) {
          note.textContent = e.message;
          note.className = 'error';
          li.setAttribute('data-error', e.message);
        },
      );
  }
  function uploadAll(files) {
    Array.prototype.forEach.call(files, uploadFile);
  }
  $('files').addEventListener('change', function () {
    uploadAll($('files').files);
    $('files').value = '';
  });
  var drop = $('drop');
  drop.addEventListener('dragover', function (e) {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', function () {
    drop.classList.remove('over');
  });
  drop.addEventListener('drop', function (e) {
    e.preventDefault();
    drop.classList.remove('over');
    uploadAll(e.dataTransfer.files);
  });

  // Transformation builder
  function buildTransformation() {
    var parts = [];
    var add = function (key, id) {
      var v = $(id).value.trim();
      if (v) parts.push(key + '_' + v);
    };
    add('c', 'tx-c');
    add('g', 'tx-g');
    add('h', 'tx-h');
    add('q', 'tx-q');
    add('w', 'tx-w');
    var component = parts.sort().join(',');
    var effect = $('tx-e').value;
    var f = $('tx-f').value;
    var chain = [component, effect ? 'e_' + effect : '', f === 'auto' ? 'f_auto' : ''].filter(Boolean);
    return { transformation: chain.join('/'), format: f && f !== 'auto' ? f : undefined };
  }
  $('tx-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var id = $('tx-id').value.trim();
    var t = buildTransformation();
    var path =
      '/' +
      encodeURIComponent(cloud) +
      '/image/upload/' +
      (t.transformation ? t.transformation + '/' : '') +
      encodeId(id) +
      (t.format ? '.' + t.format : '');
    var url = location.origin + path;
    $('tx-url').textContent = url;
    $('tx-error').textContent = '';
    fetch(path)
      .then(function (res) {
        if (!res.ok) throw new Error(res.headers.get('X-Cld-Error') || 'Error ' + res.status);
        return res.blob();
      })
      .then(function (blob) {
        $('tx-img').src = URL.createObjectURL(blob);
        status('Preview loaded');
      })
      .catch(function (err) {
        $('tx-error').textContent = err.message;
        $('tx-img').removeAttribute('src');
      });
  });
  $('tx-copy').addEventListener('click', function () {
    var text = $('tx-url').textContent;
    (navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject()).then(
      function () {
        status('URL copied');
      },
      function () {
        status('Copy failed: select the URL and copy it by hand', true);
      },
    );
  });

  // Moderation queue
  function loadQueue() {
    return api('GET', 'resources?status=pending')
      .then(function (data) {
        var q = $('queue');
        q.textContent = '';
        data.resources.forEach(function (r) {
          var decide = function (s) {
            return function () {
              act('moderation', { public_id: r.public_id, status: s }, (s === 'approved' ? 'Approved ' : 'Rejected ') + r.public_id).then(
                loadQueue,
              );
            };
          };
          q.appendChild(
            el('li', { 'data-public-id': r.public_id }, [
              el('img', { src: thumb(r), alt: '' }),
              el('span', { class: 'name', text: r.public_id }),
              el('button', { type: 'button', text: 'Approve', 'aria-label': 'Approve ' + r.public_id, onclick: decide('approved') }),
              el('button', {
                type: 'button',
                class: 'danger',
                text: 'Reject',
                'aria-label': 'Reject ' + r.public_id,
                onclick: decide('rejected'),
              }),
            ]),
          );
        });
        if (!q.children.length) q.appendChild(el('li', { text: 'Nothing waits for moderation.' }));
      })
      .catch(function (e) {
        status(e.message, true);
      });
  }

  $('logout').addEventListener('click', function () {
    fetch('/console/' + encodeURIComponent(cloud) + '/logout', { method: 'POST', headers: { 'X-CSRF-Token': csrf } }).then(function () {
      location.reload();
    });
  });

  loadTags();
  loadLibrary(false);
})();
