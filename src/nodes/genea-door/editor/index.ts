(function () {
  interface PickerDoor {
    uuid: string;
    name: string | null;
    location: string | null;
    locked: boolean | null;
    online: boolean | null;
  }

  interface DoorsAnswer {
    doors?: PickerDoor[];
    /** Set when the endpoint refused: a catalog key below genea-api.errors, and its values. */
    error?: string;
    details?: Record<string, string>;
  }

  // Keep in step with isDoorId and DOOR_ACTIONS in src/lib/genea-api.ts.
  const DOOR_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
  const ACTIONS = ['lock', 'unlock', 'quick_unlock', 'list', 'msg'];

  interface DoorNode {
    name: string;
    api: string;
    action: string;
    door: string;
    /** The door's name as the picker showed it, for the label and status; '' when the uuid was typed. */
    doorName: string;
  }

  RED.nodes.registerType<DoorNode>('genea-door', {
    category: 'Genea',
    color: '#B5D8EE',
    defaults: {
      name: { value: '' },
      api: {
        value: '',
        type: 'genea-api',
        required: true,
        validate: function (value: string, opt) {
          if (value === '' || value === '_ADD_') return opt ? this._('genea-door.validation.api') : false;
          // A config node without a key is invalid (see genea-api): so is every door node using it.
          const valid = (RED.nodes.node(value) as { valid?: boolean } | null)?.valid !== false;
          return valid || (opt ? this._('genea-door.validation.apiNoKey') : false);
        },
      },
      action: {
        value: 'lock',
        required: true,
        validate: function (value: string, opt) {
          return ACTIONS.includes(value) || (opt ? this._('genea-door.validation.action') : false);
        },
      },
      door: {
        value: '',
        validate: function (value: string, opt) {
          const text = String(value ?? '').trim();
          return text === '' || DOOR_ID.test(text) || (opt ? this._('genea-door.validation.door') : false);
        },
      },
      doorName: { value: '' },
    },
    inputs: 1,
    outputs: 1,
    icon: 'genea-door.svg',
    align: 'right',
    paletteLabel: function () {
      return this._('genea-door.paletteLabel');
    },
    label: function () {
      if (this.name) return this.name;
      const action = this.action === 'msg' ? 'msg.action' : this.action || '';
      const door = this.action === 'list' ? '' : (this.door && this.doorName) || this.door || 'msg.door';
      return `${this._('genea-door.nodeLabel')}: ${action} ${door}`.trim();
    },
    labelStyle: function () {
      return this.name ? 'node_label_italic' : '';
    },
    oneditprepare: function () {
      const t = (key: string, values?: Record<string, string>): string => this._(key, values);
      const doorInput = $('#node-input-door');
      const picker = $('#genea-door-picker');
      const pickerState = $('#genea-door-picker-state');
      const apiInput = $('#node-input-api');
      // The genea-api node set's catalog namespace, beside this one in the same module.
      const { set } = (this as unknown as { _def: { set: { module: string } } })._def;
      const apiCatalog = `${set.module}/genea-api`;

      const showDoorRows = (): void => {
        $('#genea-door-door-rows').toggle($('#node-input-action').val() !== 'list');
      };
      $('#node-input-action').on('change', showDoorRows);
      showDoorRows();

      const describe = (door: PickerDoor): string => {
        const state =
          door.locked === null ? '' : t(door.locked ? 'genea-door.picker.locked' : 'genea-door.picker.unlocked');
        const parts = [
          door.name ?? door.uuid,
          door.location ?? '',
          state,
          door.online === false ? t('genea-door.picker.offline') : '',
        ];
        return parts.filter((part) => part !== '').join(' · ');
      };
      const doorNameInput = $('#node-input-doorName');
      /** Names of the listed doors: the picked door's goes into doorName, for the label and status. */
      let names = new Map<string, string>();
      const fillPicker = (doors: PickerDoor[]): void => {
        picker.empty();
        $('<option>').val('').text(t('genea-door.picker.choose')).appendTo(picker);
        for (const door of doors) $('<option>').val(door.uuid).text(describe(door)).appendTo(picker);
        picker.val(doors.some((door) => door.uuid === doorInput.val()) ? String(doorInput.val()) : '');
        names = new Map(doors.filter((door) => door.name).map((door) => [door.uuid, door.name as string]));
        if (doors.length > 0) keepName();
      };
      /** doorName follows the door: the listed name of a listed door, none for another uuid once the list is known. */
      const keepName = (): void => {
        const uuid = String(doorInput.val() ?? '').trim();
        doorNameInput.val(names.get(uuid) ?? '');
      };

      // Each load has a number: an answer to an older one (the api was changed meanwhile) is dropped.
      let loads = 0;
      const loadDoors = (): void => {
        const apiId = String(apiInput.val() ?? '');
        const load = ++loads;
        fillPicker([]);
        if (apiId === '' || apiId === '_ADD_') {
          pickerState.text(t('genea-door.picker.noApi'));
          return;
        }
        pickerState.text(t('genea-door.picker.loading'));
        $.ajax({ url: `genea-api/${encodeURIComponent(apiId)}/doors`, dataType: 'json' })
          .done((answer: DoorsAnswer) => {
            if (load !== loads) return;
            const doors = answer.doors ?? [];
            fillPicker(doors);
            pickerState.text(
              doors.length === 0
                ? t('genea-door.picker.none')
                : t('genea-door.picker.count', { count: String(doors.length) }),
            );
          })
          .fail((xhr: JQuery.jqXHR) => {
            if (load !== loads) return;
            const answer = (xhr.responseJSON ?? {}) as DoorsAnswer;
            const details = answer.details ?? {};
            let text: string;
            if (answer.error === 'not-deployed' || answer.error === 'no-key') text = t('genea-door.picker.notDeployed');
            else if (answer.error === 'api') text = t('genea-door.picker.apiFailed', details);
            // The config node's own reasons (a base URL it will not send the key to), in the editor's language.
            else if (answer.error) text = t(`${apiCatalog}:genea-api.errors.${answer.error}`, details);
            else if (xhr.status === 401 || xhr.status === 403) text = t('genea-door.picker.notAuthorized');
            else text = t('genea-door.picker.failed', { status: String(xhr.status || '—') });
            pickerState.text(text);
          });
      };
      picker.on('change', () => {
        const uuid = String(picker.val() ?? '');
        if (uuid !== '') doorInput.val(uuid).trigger('change');
      });
      doorInput.on('input change', () => {
        const typed = String(doorInput.val() ?? '').trim();
        // Until a list came, a door typed again keeps its name only if it is the one the name was kept for.
        if (names.size > 0 || typed !== this.door) keepName();
        if (picker.find('option').filter((_, option) => $(option).val() === typed).length > 0) picker.val(typed);
        else picker.val('');
      });
      apiInput.on('change', loadDoors);
      $('#genea-door-refresh').on('click', (event) => {
        event.preventDefault();
        loadDoors();
      });
      loadDoors();
    },
  });
})();
