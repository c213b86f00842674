optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = [dict(type='PolyLR', power=0.9, end=build_end(), by_epoch=False)]
