/*
 * cld-worker upload widget: a small, dependency-free drop-in in the spirit of
 * Cloudinary's upload widget, served by the worker at /widget/v1/upload-widget.js.
 *
 *   <script src="https://<worker>/widget/v1/upload-widget.js"></script>
 *   cloudinary.openUploadWidget({ cloudName: 'demo', uploadPreset: 'unsigned_1' }, (error, result) => {
 *     if (!error && result.event === 'success') console.log(result.info.secure_url);
 *   });
 *
 * Options: cloudName (required); uploadPreset (unsigned uploads) or apiKey +
 * uploadSignature(callback, paramsToSign) (signed uploads, signed by your server);
 * folder, tags, publicId, resourceType ('auto'), multiple (true), maxFiles,
 * chunkSize (bytes; larger files go in chunks, default 20 MB), apiBase (the
 * worker's origin, default: where this script came from), thumbnailTransformation
 * ('c_fill,w_96,h_96'), container (an element to render into instead of a dialog).
 * Callback events: 'upload-added', 'progress', 'success', 'delete', 'queues-end',
 * 'close', and errors as (error, {event: 'error', info}).
 */
(function () {
  'use strict';
  var scriptOrigin = (function () {
    try {
      return new URL(document.currentScript.src).origin;
    } catch (e) {
      return location.origin;
    }
  })();

  var STYLE =
    '.cldw-backdrop{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center;z-index:2147483000}' +
    '.cldw{font:14px/1.4 system-ui,sans-serif;background:#fff;color:#1d1d1f;border-radius:10px;padding:16px;width:min(520px,calc(100vw - 24px));max-height:calc(100vh - 24px);overflow:auto;box-shadow:0 10px 40px rgba(0,0,0,.3)}' +
    '.cldw h2{font-size:17px;margin:0 0 12px}' +
    '.cldw-drop{border:2px dashed #8a8a8e;border-radius:8px;padding:24px;text-align:center}' +
    '.cldw-drop.cldw-over{border-color:#0b57d0;background:#eef3fd}' +
    '.cldw button,.cldw label.cldw-pick{font:inherit;border:1px solid #0b57d0;background:#0b57d0;color:#fff;border-radius:6px;padding:6px 12px;cursor:pointer;display:inline-block}' +
    '.cldw button.cldw-secondary{background:#fff;color:#0b57d0}' +
    '.cldw button:focus-visible,.cldw label.cldw-pick:focus-within{outline:3px solid #f9a825;outline-offset:2px}' +
    '.cldw ul{list-style:none;margin:12px 0 0;padding:0}' +
    '.cldw li{display:flex;gap:10px;align-items:center;padding:6px 0;border-top:1px solid #eee}' +
    '.cldw li img{width:48px;height:48px;object-fit:cover;border-radius:4px;background:#eee}' +
    '.cldw li .cldw-name{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}' +
    '.cldw progress{width:110px}' +
    '.cldw .cldw-error{color:#b00020}' +
    '.cldw-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}' +
    '.cldw-footer{display:flex;justify-content:flex-end;margin-top:12px}';

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      e.appendChild(c);
    });
    return e;
  }

  function randomId() {
    var a = new Uint8Array(8);
    crypto.getRandomValues(a);
    return Array.prototype.map
      .call(a, function (b) {
        return (b % 36).toString(36);
      })
      .join('');
  }

  /** One POST with upload progress (fetch has no upload progress events). */
  function post(url, form, headers, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
      Object.keys(headers || {}).forEach(function (k) {
        xhr.setRequestHeader(k, headers[k]);
      });
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable && onProgress) onProgress(e.loaded, e.total);
      };
      xhr.onload = function () {
        var body;
        try {
          body = JSON.parse(xhr.responseText);
        } catch (e) {
          body = null;
        }
        if (xhr.status === 200 && body && !body.error) resolve(body);
        else
          reject(
            new Error(
              (body && body.error && body.error.message) || xhr.getResponseHeader('X-Cld-Error') || 'Upload failed (' + xhr.status + ')',
            ),
          );
      };
      xhr.onerror = function () {
        reject(new Error('Network error or origin not allowed'));
      };
      xhr.send(form);
    });
  }

  function Widget(options, callback) {
    if (!options || !options.cloudName) throw new Error('openUploadWidget: cloudName is required');
    if (!options.uploadPreset && !(options.apiKey && options.uploadSignature)) {
      throw new Error('openUploadWidget: give uploadPreset (unsigned) or apiKey and uploadSignature (signed)');
    }
    this.o = options;
    this.cb = callback || function () {};
    this.base = (options.apiBase || scriptOrigin).replace(/\/+$/, '');
    this.pending = 0;
  }

  Widget.prototype.emit = function (event, info) {
    this.cb(null, { event: event, info: info });
  };
  Widget.prototype.fail = function (info) {
    this.cb(info, { event: 'error', info: info });
  };

  Widget.prototype.params = function () {
    var o = this.o;
    var p = {};
    if (o.uploadPreset) p.upload_preset = o.uploadPreset;
    if (o.folder) p.folder = o.folder;
    if (o.tags) p.tags = [].concat(o.tags).join(',');
    if (o.publicId) p.public_id = o.publicId;
    if (o.context) p.context = o.context;
    // Unsigned uploads take return_delete_token from their preset, as at Cloudinary.
    if (!o.uploadPreset) {
      p.return_delete_token = '1';
      p.timestamp = String(Math.floor(Date.now() / 1000));
    }
    return p;
  };

  /** Signed uploads: the page's own server signs, as with Cloudinary's uploadSignature option. */
  Widget.prototype.sign = function (params) {
    var self = this;
    if (self.o.uploadPreset) return Promise.resolve(params);
    var toSign = Object.assign({}, params);
    return new Promise(function (resolve, reject) {
      try {
        self.o.uploadSignature(function (signature) {
          if (!signature) return reject(new Error('uploadSignature returned no signature'));
          resolve(Object.assign({}, params, { signature: signature, api_key: self.o.apiKey }));
        }, toSign);
      } catch (e) {
        reject(e);
      }
    });
  };

  Widget.prototype.uploadUrl = function () {
    return this.base + '/v1_1/' + encodeURIComponent(this.o.cloudName) + '/' + (this.o.resourceType || 'auto') + '/upload';
  };

  Widget.prototype.upload = function (file, row) {
    var self = this;
    var chunkSize = self.o.chunkSize || 20000000;
    var params = self.params();
    return self.sign(params).then(function (signed) {
      var send = function (blob, headers, offset) {
        var form = new FormData();
        Object.keys(signed).forEach(function (k) {
          form.append(k, signed[k]);
        });
        form.append('file', blob, file.name);
        return post(self.uploadUrl(), form, headers, function (loaded) {
          row.progress(offset + loaded, file.size);
          self.emit('progress', { file: file.name, loaded: offset + loaded, total: file.size });
        });
      };
      if (file.size <= chunkSize) return send(file, {}, 0);
      var id = randomId();
      var chunk = function (start) {
        var end = Math.min(start + chunkSize, file.size);
        var last = end === file.size;
        var headers = {
          'X-Unique-Upload-Id': id,
          'Content-Range': 'bytes ' + start + '-' + (end - 1) + '/' + (last ? file.size : -1),
        };
        return send(file.slice(start, end), headers, start).then(function (res) {
          return last ? res : chunk(end);
        });
      };
      return chunk(0);
    });
  };

  Widget.prototype.thumbnail = function (info) {
    var t = this.o.thumbnailTransformation || 'c_fill,w_96,h_96';
    if (info.resource_type !== 'image') return null;
    return (
      this.base +
      '/' +
      encodeURIComponent(this.o.cloudName) +
      '/image/' +
      info.type +
      '/' +
      t +
      '/v' +
      info.version +
      '/' +
      info.public_id.split('/').map(encodeURIComponent).join('/') +
      '.jpg'
    );
  };

  Widget.prototype.remove = function (info, row) {
    var self = this;
    var form = new FormData();
    form.append('token', info.delete_token);
    return post(self.base + '/v1_1/' + encodeURIComponent(self.o.cloudName) + '/delete_by_token', form, {}, null).then(
      function () {
        row.removed();
        self.emit('delete', info);
      },
      function (err) {
        row.error(err.message);
        self.fail({ file: info.public_id, message: err.message });
      },
    );
  };

  Widget.prototype.addFiles = function (files) {
    var self = this;
    var list = Array.prototype.slice.call(files);
    if (self.o.multiple === false) list = list.slice(0, 1);
    if (self.o.maxFiles) list = list.slice(0, self.o.maxFiles);
    list.forEach(function (file) {
      var row = self.row(file);
      self.pending++;
      self.emit('upload-added', { file: file.name, size: file.size });
      self
        .upload(file, row)
        .then(
          function (info) {
            row.done(info);
            self.emit('success', info);
          },
          function (err) {
            row.error(err.message);
            self.fail({ file: file.name, message: err.message });
          },
        )
        .then(function () {
          if (--self.pending === 0) self.emit('queues-end', {});
        });
    });
  };

  Widget.prototype.row = function (file) {
    var self = this;
    var bar = el('progress', { max: '100', value: '0', 'aria-label': 'Upload progress of ' + file.name });
    var status = el('span', { role: 'status', class: 'cldw-status', text: 'Uploading…' });
    var thumb = el('img', { alt: '' });
    var li = el('li', { 'data-file': file.name }, [thumb, el('span', { class: 'cldw-name', text: file.name }), bar, status]);
    self.list.appendChild(li);
    var rowApi = {
      progress: function (loaded, total) {
        bar.value = Math.round((100 * loaded) / (total || 1));
      },
      done: function (info) {
        bar.value = 100;
        status.textContent = 'Done';
        li.setAttribute('data-public-id', info.public_id);
        var src = self.thumbnail(info);
        if (src) {
          thumb.src = src;
          thumb.alt = 'Preview of ' + file.name;
        }
        if (info.delete_token) {
          var btn = el('button', {
            type: 'button',
            class: 'cldw-secondary cldw-remove',
            text: 'Remove',
            'aria-label': 'Remove ' + file.name,
          });
          btn.addEventListener('click', function () {
            btn.disabled = true;
            self.remove(info, rowApi);
          });
          li.appendChild(btn);
        }
      },
      removed: function () {
        status.textContent = 'Removed';
        li.setAttribute('data-removed', 'true');
        var btn = li.querySelector('.cldw-remove');
        if (btn) btn.remove();
      },
      error: function (message) {
        status.textContent = message;
        status.className = 'cldw-status cldw-error';
        li.setAttribute('data-error', message);
      },
    };
    return rowApi;
  };

  Widget.prototype.render = function () {
    var self = this;
    if (!document.getElementById('cldw-style')) document.head.appendChild(el('style', { id: 'cldw-style', text: STYLE }));
    var input = el('input', { type: 'file', class: 'cldw-sr', 'aria-label': 'Choose files to upload' });
    if (self.o.multiple !== false) input.multiple = true;
    input.addEventListener('change', function () {
      self.addFiles(input.files);
      input.value = '';
    });
    var drop = el('div', { class: 'cldw-drop' }, [
      el('p', { text: 'Drag and drop files here, or' }),
      el('label', { class: 'cldw-pick' }, [document.createTextNode('Browse files'), input]),
    ]);
    drop.addEventListener('dragover', function (e) {
      e.preventDefault();
      drop.classList.add('cldw-over');
    });
    drop.addEventListener('dragleave', function () {
      drop.classList.remove('cldw-over');
    });
    drop.addEventListener('drop', function (e) {
      e.preventDefault();
      drop.classList.remove('cldw-over');
      if (e.dataTransfer && e.dataTransfer.files) self.addFiles(e.dataTransfer.files);
    });
    self.list = el('ul', { 'aria-label': 'Uploads' });
    var titleId = 'cldw-title-' + randomId();
    var close = el('button', { type: 'button', class: 'cldw-secondary', text: 'Close' });
    close.addEventListener('click', function () {
      self.close();
    });
    self.panel = el(
      'div',
      { class: 'cldw', role: 'dialog', 'aria-modal': self.o.container ? 'false' : 'true', 'aria-labelledby': titleId },
      [el('h2', { id: titleId, text: 'Upload files' }), drop, self.list, el('div', { class: 'cldw-footer' }, [close])],
    );
    // On the document, so keys still work when the focused button went away (a removed upload).
    self.onKey = function (e) {
      if (e.key === 'Escape') self.close();
      if (e.key === 'Tab' && !self.o.container) self.trapFocus(e);
    };
    document.addEventListener('keydown', self.onKey);
    if (self.o.container) {
      self.root = self.panel;
      self.o.container.appendChild(self.panel);
    } else {
      self.root = el('div', { class: 'cldw-backdrop' }, [self.panel]);
      document.body.appendChild(self.root);
    }
    self.previousFocus = document.activeElement;
    input.focus();
    return self;
  };

  Widget.prototype.trapFocus = function (e) {
    var items = this.panel.querySelectorAll('button:not([disabled]), input, [tabindex]:not([tabindex="-1"])');
    if (!items.length) return;
    var first = items[0];
    var last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  Widget.prototype.close = function () {
    if (!this.root) return;
    document.removeEventListener('keydown', this.onKey);
    this.root.remove();
    this.root = null;
    if (this.previousFocus && this.previousFocus.focus) this.previousFocus.focus();
    this.emit('close', {});
  };

  var api = window.cloudinary || (window.cloudinary = {});
  api.createUploadWidget = function (options, callback) {
    var w = new Widget(options, callback);
    return {
      open: function () {
        if (!w.root) w.render();
      },
      close: function () {
        w.close();
      },
      upload: function (files) {
        if (!w.root) w.render();
        w.addFiles(files);
      },
    };
  };
  api.openUploadWidget = function (options, callback) {
    var handle = api.createUploadWidget(options, callback);
    handle.open();
    return handle;
  };
})();
